import type { Collection, Db } from 'mongodb';

// The inventory service's catalog: one document per SKU with its name, unit price and the
// stock available, set by support through the API and read to price orders. The reservation
// store (./reservations.ts) takes and gives back stock on these same documents, with markers of
// its own; this module writes only the fields above and leaves those markers alone.

export const CATALOG_COLLECTION = 'catalog';

export interface SkuInput {
  name: string;
  unitPrice: number;
  available: number;
}
export interface Sku extends SkuInput {
  sku: string;
  updatedAt: string;
}

/** A SKU's document as the catalog writes it; reservations add their markers (./reservations.ts). */
export interface CatalogDoc {
  _id: string;
  name: string;
  unitPrice: number;
  available: number;
  updatedAt: Date;
}

export interface CatalogStore {
  /** Creates or replaces a SKU's name, price and available stock. */
  upsertSku(sku: string, input: SkuInput): Promise<{ sku: Sku; created: boolean }>;
  getSku(sku: string): Promise<Sku | null>;
  /** Unit prices of the SKUs that exist. */
  unitPrices(skus: readonly string[]): Promise<Map<string, number>>;
}

export function createMongoCatalogStore(db: Db, now: () => Date = () => new Date()): CatalogStore {
  const catalog: Collection<CatalogDoc> = db.collection(CATALOG_COLLECTION);

  const toSku = (doc: CatalogDoc): Sku => ({
    sku: doc._id,
    name: doc.name,
    unitPrice: doc.unitPrice,
    available: doc.available,
    updatedAt: doc.updatedAt.toISOString(),
  });

  return {
    async upsertSku(sku, input) {
      const result = await catalog.updateOne(
        { _id: sku },
        { $set: { ...input, updatedAt: now() } },
        { upsert: true },
      );
      const doc = await catalog.findOne({ _id: sku });
      if (!doc) throw new Error(`SKU ${sku} vanished after upsert`);
      return { sku: toSku(doc), created: result.upsertedCount === 1 };
    },

    async getSku(sku) {
      const doc = await catalog.findOne({ _id: sku });
      return doc ? toSku(doc) : null;
    },

    async unitPrices(skus) {
      const docs = await catalog
        .find({ _id: { $in: [...new Set(skus)] } }, { projection: { unitPrice: 1 } })
        .toArray();
      return new Map(docs.map((d) => [d._id, d.unitPrice]));
    },
  };
}
