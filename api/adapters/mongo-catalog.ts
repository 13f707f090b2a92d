import type { Db } from 'mongodb';
import type { Catalog, CatalogEntry } from '../ports';
import { mongoCall } from './mongo-errors';

export const CATALOG_COLLECTION = 'catalog';

interface CatalogDoc {
  _id: string;
  name: string;
  unitPrice: number;
  available: number;
  reserved?: number;
  updatedAt: Date;
}

/** The inventory service's catalog (its database), for support to set prices and stock. */
export function createMongoCatalog(db: Db, now: () => Date = () => new Date()): Catalog {
  const catalog = db.collection<CatalogDoc>(CATALOG_COLLECTION);
  return {
    upsert: (sku, entry) =>
      mongoCall(async () => {
        const updatedAt = now();
        const result = await catalog.updateOne(
          { _id: sku },
          {
            $set: {
              name: entry.name,
              unitPrice: entry.unitPrice,
              available: entry.available,
              updatedAt,
            },
          },
          { upsert: true },
        );
        const doc = await catalog.findOne({ _id: sku });
        return {
          entry: doc ? toEntry(doc) : { sku, ...entry, updatedAt: updatedAt.toISOString() },
          created: result.upsertedCount === 1,
        };
      }),
    get: (sku) =>
      mongoCall(async () => {
        const doc = await catalog.findOne({ _id: sku });
        return doc ? toEntry(doc) : null;
      }),
  };
}

function toEntry(doc: CatalogDoc): CatalogEntry {
  return {
    sku: doc._id,
    name: doc.name,
    unitPrice: doc.unitPrice,
    available: doc.available,
    ...(doc.reserved !== undefined && { reserved: doc.reserved }),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
