import type { Db } from 'mongodb';
import { createMongoCatalogStore } from '../../activities/inventory/catalog';
import type { Catalog } from '../ports';
import { mongoCall } from './mongo-errors';

/**
 * The inventory service's catalog, for support to set prices and stock. It goes through the
 * inventory service's catalog module rather than writing the collection itself: the service
 * owns its documents (reservations keep markers on them).
 */
export function createMongoCatalog(db: Db, now: () => Date = () => new Date()): Catalog {
  const store = createMongoCatalogStore(db, now);
  return {
    upsert: (sku, entry) =>
      mongoCall(async () => {
        const { sku: saved, created } = await store.upsertSku(sku, entry);
        return { entry: saved, created };
      }),
    get: (sku) => mongoCall(() => store.getSku(sku)),
  };
}
