import type { Db } from 'mongodb';
import type { IdempotencyStore, ReservationResult } from '../ports';
import { isDuplicateKey, mongoCall } from './mongo-errors';

export const IDEMPOTENCY_COLLECTION = 'idempotency_keys';

interface KeyDoc {
  /** The caller-scoped key: _id's unique index is what makes reservation atomic. */
  _id: string;
  bodyHash: string;
  orderId: string;
  createdAt: Date;
}

/**
 * Idempotency keys in MongoDB. Reserving is one insert: the unique _id index lets exactly one
 * of any number of concurrent inserts win; the losers read the winner's document. No
 * transactions or TTL indexes (FerretDB has neither): keys are kept, and a cleanup job may
 * delete old ones by createdAt.
 */
export function createMongoIdempotencyStore(db: Db): IdempotencyStore {
  const keys = db.collection<KeyDoc>(IDEMPOTENCY_COLLECTION);
  return {
    reserve: (key, bodyHash, orderId) =>
      mongoCall(async (): Promise<ReservationResult> => {
        try {
          await keys.insertOne({ _id: key, bodyHash, orderId, createdAt: new Date() });
          return { kind: 'reserved', orderId };
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const existing = await keys.findOne({ _id: key });
        // The winner's insert is durable before our duplicate-key error, so it is found.
        if (!existing) throw new Error(`idempotency key vanished after a duplicate-key error`);
        return existing.bodyHash === bodyHash
          ? { kind: 'repeat', orderId: existing.orderId }
          : { kind: 'conflict' };
      }),
  };
}
