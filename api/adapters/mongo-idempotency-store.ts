import type { Db } from 'mongodb';
import type { IdempotencyStore, ReservationResult } from '../ports';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';
import { expiringRecords } from '../../lib/mongo-expiring-records';
import { mongoCall } from './mongo-errors';

export const IDEMPOTENCY_COLLECTION = 'idempotency_keys';
/** How long a key is honoured by default: a day, as payment APIs commonly keep them. */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

interface KeyDoc {
  /** The caller-scoped key: _id's unique index is what makes reservation atomic. */
  _id: string;
  bodyHash: string;
  orderId: string;
  createdAt: Date;
  /** The TTL index deletes the key after this (lib/mongo-expiring-records.ts). */
  expiresAt: Date;
}

export interface IdempotencyStoreOptions {
  retentionMs?: number;
  now?: () => Date;
}

/**
 * Idempotency keys in MongoDB. Reserving is one insert: the unique _id index lets exactly one
 * of any number of concurrent inserts win; the losers read the winner's document. A TTL index
 * on `expiresAt` removes keys after the retention, so the collection does not grow for ever; a
 * key is honoured for at least that long.
 */
export function createMongoIdempotencyStore(
  db: Db,
  {
    retentionMs = DEFAULT_IDEMPOTENCY_RETENTION_MS,
    now = () => new Date(),
  }: IdempotencyStoreOptions = {},
): IdempotencyStore & { ensureIndexes(): Promise<void> } {
  const records = expiringRecords<KeyDoc>(db, IDEMPOTENCY_COLLECTION, retentionMs);
  const keys = records.collection;
  return {
    ensureIndexes: () => records.ensureExpiry(),
    reserve: (key, bodyHash, orderId) =>
      mongoCall(async (): Promise<ReservationResult> => {
        const createdAt = now();
        const expiresAt = records.expiresAt(createdAt);
        try {
          await keys.insertOne({ _id: key, bodyHash, orderId, createdAt, expiresAt });
          return { kind: 'reserved', orderId };
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
        const existing = await keys.findOne({ _id: key });
        // The winner's insert is durable before our duplicate-key error, so it is found.
        if (!existing) throw new Error(`idempotency key vanished after a duplicate-key error`);
        return existing.bodyHash === bodyHash
          ? { kind: 'repeat', orderId: existing.orderId }
          : { kind: 'conflict' };
      }),
    release: (key, orderId) =>
      mongoCall(async () => {
        // Only our own reservation: a key another request has since taken stays theirs.
        await keys.deleteOne({ _id: key, orderId });
      }),
  };
}
