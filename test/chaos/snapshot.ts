import type { MongoClient } from 'mongodb';
import type { OrderView } from '../../contracts/read-models';
import { readAllEvents } from './topic-events';
import type { ReconcileInput, StockFacts } from './reconcile';

// Facts for the reconciliation, read from the private stack's servers: the read model (`read`
// db), the payments ledger (`payments`), the inventory (`inventory`) and the event topic. The
// processes run with the default database names: the servers are private to the run.

interface ReservationDoc {
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

export async function takeSnapshot(
  mongo: MongoClient,
  brokers: string[],
  accepted: readonly string[],
  seeded: ReadonlyMap<string, number>,
): Promise<ReconcileInput> {
  const [views, payments, reservations, catalog, events] = await Promise.all([
    mongo.db('read').collection<OrderView>('orders').find({}).toArray(),
    mongo
      .db('payments')
      .collection<{ orderId: string; status: string }>('payments')
      .find({})
      .toArray(),
    mongo.db('inventory').collection<ReservationDoc>('reservations').find({}).toArray(),
    mongo
      .db('inventory')
      .collection<CatalogDoc>('catalog')
      .find({ _id: { $in: [...seeded.keys()] } })
      .toArray(),
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
