import type { Collection, Db } from 'mongodb';
import { ignoreDuplicateKey } from '../../lib/mongo-duplicate-key';
import { readBack } from '../../lib/mongo-read-back';

// The shipping service's shipments, `_id` = the shipment id (the creation's idempotency key,
// unique by construction). Cancelling before creation leaves a tombstone so a late creation
// attempt does nothing.

export const SHIPMENTS_COLLECTION = 'shipments';

export interface ShipmentRecord {
  _id: string;
  orderId: string;
  status: 'CREATED' | 'CANCELLED';
  country?: string;
  trackingNumber?: string;
  /** CANCELLED: whether a created shipment was cancelled (the repeated answer). */
  cancelled?: boolean;
  createdAt: Date;
}

export interface ShipmentStore {
  /** Inserts unless the id exists; returns what is stored (the first writer wins). */
  createOnce(record: Omit<ShipmentRecord, 'createdAt'>): Promise<ShipmentRecord>;
  /** CREATED → CANCELLED, or a tombstone when there is none; returns what is stored. */
  cancel(shipmentId: string, orderId: string): Promise<ShipmentRecord>;
}

export function createMongoShipmentStore(
  db: Db,
  now: () => Date = () => new Date(),
): ShipmentStore {
  const shipments: Collection<ShipmentRecord> = db.collection(SHIPMENTS_COLLECTION);
  const load = (id: string) => readBack(shipments, id, 'shipment');
  return {
    async createOnce(record) {
      const doc = { ...record, createdAt: now() };
      // An acknowledged insert stored exactly `doc`: only a lost race (or a tombstone, or a
      // repeat) needs the round trip that reads what the first writer stored.
      const inserted = await ignoreDuplicateKey(() => shipments.insertOne(doc));
      return inserted ? doc : load(record._id);
    },
    async cancel(id, orderId) {
      const cancelCreated = () =>
        shipments.findOneAndUpdate(
          { _id: id, status: 'CREATED' },
          { $set: { status: 'CANCELLED', cancelled: true } },
          { returnDocument: 'after' },
        );
      const cancelled = await cancelCreated();
      if (cancelled) return cancelled;
      // Already cancelled, or never created: then a tombstone, so a late creation does nothing.
      const stored =
        (await ignoreDuplicateKey(() =>
          shipments.findOneAndUpdate(
            { _id: id },
            { $setOnInsert: { orderId, status: 'CANCELLED', cancelled: false, createdAt: now() } },
            { upsert: true, returnDocument: 'after' },
          ),
        )) ?? (await load(id));
      // Created between the two writes: cancel it after all.
      return stored.status === 'CREATED' ? ((await cancelCreated()) ?? load(id)) : stored;
    },
  };
}
