import type { Db } from 'mongodb';
import type { RateLimitCounters } from '../ports';
import { atMostEvery } from '../../lib/at-most-every';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';
import { mongoCall } from './mongo-errors';

export const RATE_LIMIT_COLLECTION = 'rate_limit_windows';
const PRUNE_EVERY_MS = 60_000;

interface WindowDoc {
  /** `<key>@<windowStart>`: one document per client and window. */
  _id: string;
  hits: number;
  expiresAt: Date;
}

const idOf = (key: string, windowStart: number) => `${key}@${windowStart}`;

/**
 * Rate-limit windows in MongoDB, shared by every API instance: one upserting `$inc` per hit.
 * Past windows are deleted here, at most once a minute per instance, so the store needs no
 * index set up at start. On FerretDB 2 two upserts racing to create the same window can lose
 * one increment (docs/design.md, "Known limits"), so a limit may let one more request through there;
 * on MongoDB the count is exact.
 */
export function createMongoRateLimitCounters(
  db: Db,
  now: () => number = Date.now,
): RateLimitCounters {
  const windows = db.collection<WindowDoc>(RATE_LIMIT_COLLECTION);
  const prune = atMostEvery(PRUNE_EVERY_MS, now, async () => {
    await windows.deleteMany({ expiresAt: { $lt: new Date(now()) } });
  });
  async function increment(key: string, windowStart: number, windowMs: number) {
    const doc = await windows.findOneAndUpdate(
      { _id: idOf(key, windowStart) },
      { $inc: { hits: 1 }, $setOnInsert: { expiresAt: new Date(windowStart + windowMs) } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc?.hits ?? 1;
  }
  return {
    hit: (key, windowStart, windowMs) =>
      mongoCall(async () => {
        // Not awaited: cleaning up must not slow the request that happened to trigger it.
        prune().catch(() => undefined);
        try {
          return await increment(key, windowStart, windowMs);
        } catch (err) {
          // Two first hits of a window raced to insert it; the loser increments the winner's.
          if (!isDuplicateKeyError(err)) throw err;
          return increment(key, windowStart, windowMs);
        }
      }),
    unhit: (key, windowStart) =>
      mongoCall(async () => {
        await windows.updateOne(
          { _id: idOf(key, windowStart), hits: { $gt: 0 } },
          { $inc: { hits: -1 } },
        );
      }),
    reset: (key, windowStart) =>
      mongoCall(async () => {
        await windows.deleteOne({ _id: idOf(key, windowStart) });
      }),
  };
}
