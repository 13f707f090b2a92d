import type { Db } from 'mongodb';
import { createMongoInventoryStore } from '../../activities/inventory/store';
import type { Catalog } from '../ports';
import { mongoCall } from './mongo-errors';

/**
 * The inventory service's catalog, for support to set prices and stock. It goes through the
 * inventory store rather than writing the collection itself: one module knows the catalog's
 * documents (their reservation markers included).
 */
export function createMongoCatalog(db: Db, now: () => Date = () => new Date()): Catalog {
  const store = createMongoInventoryStore(db, now);
  return {
    upsert: (sku, entry) =>
      mongoCall(async () => {
        const { sku: saved, created } = await store.upsertSku(sku, entry);
        return { entry: saved, created };
      }),
    get: (sku) => mongoCall(() => store.getSku(sku)),
  };
}
