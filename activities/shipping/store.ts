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
      await ignoreDuplicateKey(() => shipments.insertOne({ ...record, createdAt: now() }));
      return load(record._id);
    },
    async cancel(id, orderId) {
      await shipments.updateOne(
        { _id: id, status: 'CREATED' },
        { $set: { status: 'CANCELLED', cancelled: true } },
      );
      await ignoreDuplicateKey(() =>
        shipments.updateOne(
          { _id: id },
          { $setOnInsert: { orderId, status: 'CANCELLED', cancelled: false, createdAt: now() } },
          { upsert: true },
        ),
      );
      return load(id);
    },
  };
}
