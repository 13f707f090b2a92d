import type { Collection, Document, Filter, MongoClient, WithId } from 'mongodb';
import type { OrderView } from '../../contracts/read-models';
import { chaosLog } from './log';
import { readAllEvents } from './topic-events';
import type { ReconcileInput, StockFacts } from './reconcile';

// Facts for the reconciliation, read from the private stack's servers: the read model (`read`
// db), the payments ledger (`payments`), the inventory (`inventory`) and the event topic. The
// processes run with the default database names: the servers are private to the run.

interface PaymentDoc {
  _id: string;
  orderId: string;
  status: string;
}

interface ReservationDoc {
  _id: string;
  orderId: string;
  status: string;
  lines?: { sku: string; quantity: number }[];
  taken?: string[];
}

interface CatalogDoc {
  _id: string;
  available: number;
  holds?: string[];
  releases?: string[];
}

/**
 * Every matching document once, read in `_id` order. On FerretDB 2.5 (DocumentDB 0.106) an
 * unsorted find spanning several batches returned documents that had been updated in place twice,
 * or missed them, while the same find sorted by `_id` was exact (README, Finding 7). So the
 * reconciliation judges what is stored, not how a cursor walked it; a read that still disagrees
 * with the server's own count is logged.
 */
async function readAll<T extends Document & { _id: unknown }>(
  collection: Collection<T>,
  filter: Filter<T> = {},
): Promise<WithId<T>[]> {
  const [docs, counted] = await Promise.all([
    collection.find(filter).sort({ _id: 1 }).toArray(),
    collection.countDocuments(filter),
  ]);
  const unique = new Map(docs.map((d) => [String(d._id), d]));
  if (unique.size !== docs.length || unique.size !== counted)
    chaosLog(
      `snapshot: ${collection.namespace} returned ${docs.length} documents, ${unique.size} ` +
        `distinct, while it counts ${counted}`,
    );
  return [...unique.values()];
}

export async function takeSnapshot(
  mongo: MongoClient,
  brokers: string[],
  accepted: readonly string[],
  seeded: ReadonlyMap<string, number>,
): Promise<ReconcileInput> {
  const [views, payments, reservations, catalog, events] = await Promise.all([
    readAll(mongo.db('read').collection<OrderView & { _id: string }>('orders')),
    readAll(mongo.db('payments').collection<PaymentDoc>('payments')),
    readAll(mongo.db('inventory').collection<ReservationDoc>('reservations')),
    readAll(mongo.db('inventory').collection<CatalogDoc>('catalog'), {
      _id: { $in: [...seeded.keys()] },
    }),
    readAllEvents(brokers),
  ]);
  const stock: StockFacts[] = catalog.map((c) => ({
    sku: c._id,
    initial: seeded.get(c._id) ?? 0,
    available: c.available,
    markers: (c.holds?.length ?? 0) + (c.releases?.length ?? 0),
  }));
  return {
    accepted,
    views: views.map((v) => ({
      orderId: v.orderId,
      status: v.status,
      items: v.items,
      version: v.version,
      timeline: v.timeline,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
    })),
    payments: payments.map((p) => ({ orderId: p.orderId, status: p.status })),
    // An upsert's empty arrays may be missing (FerretDB 1 dropped them): read them as empty.
    reservations: reservations.map((r) => ({
      orderId: r.orderId,
      status: r.status,
      lines: r.lines ?? [],
      taken: r.taken ?? [],
    })),
    stock,
    events,
  };
}
