import type { Collection, Db, Document, Filter } from 'mongodb';

// A collection of records that expire (idempotency keys, webhook ids): each record carries its
// own `expiresAt`, and a TTL index deletes it once that time has passed, so nothing has to prune
// by hand and the retention can change without touching the index. MongoDB and FerretDB 2 both
// run their TTL monitor about once a minute, so a record can outlive its expiry by that long: a
// reader for whom that matters treats a record past `expiresAt` as absent (`expiredAt`).

/** A record that expires: the TTL index deletes it once `expiresAt` has passed. */
export interface ExpiringRecord extends Document {
  _id: string;
  expiresAt: Date;
}

/** The TTL index's name (`expireAfterSeconds: 0`: each record says when it expires). */
export const EXPIRY_INDEX_NAME = 'expiresAt_ttl';

export interface ExpiringRecords<T extends ExpiringRecord> {
  readonly collection: Collection<T>;
  /** When a record written at `writtenAt` expires. */
  expiresAt(writtenAt: Date): Date;
  /** Records expired at `now` that the TTL monitor may not have deleted yet. */
  expiredAt(now: Date): Filter<T>;
  /**
   * Creates the TTL index: once per instance when it succeeds (the server treats a repeated
   * creation as a no-op anyway), again at the next call when it failed.
   */
  ensureExpiry(): Promise<void>;
}

export function expiringRecords<T extends ExpiringRecord>(
  db: Db,
  name: string,
  retentionMs: number,
): ExpiringRecords<T> {
  const collection = db.collection<T>(name);
  let ensured: Promise<void> | undefined;
  return {
    collection,
    expiresAt: (writtenAt) => new Date(writtenAt.getTime() + retentionMs),
    expiredAt: (now) => ({ expiresAt: { $lt: now } }) as Filter<T>,
    ensureExpiry() {
      ensured ??= collection
        .createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: EXPIRY_INDEX_NAME })
        .then(
          () => undefined,
          (error: unknown) => {
            ensured = undefined;
            throw error;
          },
        );
      return ensured;
    },
  };
}
