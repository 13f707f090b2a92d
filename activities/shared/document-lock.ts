import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';

// A short lease lock per key, taken by inserting a document with a unique `_id`.
//
// Why: some work spans two documents, and without multi-document transactions (the local
// MongoDB-wire server has none) single-document conditions cannot stop two runs of the same work
// from interleaving. The reservation store runs the attempts of one reservation under the
// reservation's key (activities/inventory/reservations.ts explains the race). A unique-key insert
// is atomic on MongoDB and FerretDB alike. A holder that crashed leaves its lease to expire, then
// it is taken over; a live holder renews its lease while it runs, so a critical section slowed down
// by load (longer than one lease) is not taken over half-way, which would let two runs race again.

export const LOCKS_COLLECTION = 'locks';

interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface DocumentLock {
  with<T>(key: string, run: () => Promise<T>): Promise<T>;
}

export interface LockOptions {
  /** A crashed holder blocks the key this long at most; a live one renews it every third. */
  leaseMs?: number;
  /** How long to wait for a busy key before giving up with a retryable error. */
  waitMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createDocumentLock(
  db: Db,
  { leaseMs = 10_000, waitMs = 10_000 }: LockOptions = {},
): DocumentLock {
  const locks: Collection<LockDoc> = db.collection(LOCKS_COLLECTION);
  // Callers in this process queue here for a key, so only the head of the queue polls the
  // database: a hundred waiters polling one lock document would load the server more than the
  // work they wait for.
  const queues = new Map<string, Promise<void>>();

  async function acquire(key: string, owner: string, deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await locks.insertOne({ _id: key, owner, expiresAt: new Date(Date.now() + leaseMs) });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await locks.findOne({ _id: key });
      if (held && held.expiresAt.getTime() < Date.now())
        await locks.deleteOne({ _id: key, owner: held.owner }); // take over an abandoned lease
      if (Date.now() > deadline) throw busy(key);
      await pause(Math.random() * 10 * Math.min(attempt, 10)); // jittered, growing backoff
    }
  }

  /** Resolves when this process's earlier callers for `key` are done; rejects at the deadline. */
  function joinQueue(key: string, deadline: number): { turn: Promise<void>; leave: () => void } {
    const ahead = queues.get(key) ?? Promise.resolve();
    let leave!: () => void;
    const done = new Promise<void>((resolve) => (leave = resolve));
    const tail = ahead.then(() => done);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(busy(key)), Math.max(0, deadline - Date.now()));
    });
    const turn = Promise.race([ahead, expired]).finally(() => clearTimeout(timer));
    return { turn, leave };
  }

  return {
    async with(key, run) {
      const deadline = Date.now() + waitMs;
      const { turn, leave } = joinQueue(key, deadline);
      try {
        await turn;
        const owner = randomUUID();
        await acquire(key, owner, deadline);
        const renew = setInterval(() => {
          locks
            .updateOne({ _id: key, owner }, { $set: { expiresAt: new Date(Date.now() + leaseMs) } })
            .catch(() => undefined); // a missed renewal is retried at the next tick
        }, leaseMs / 3);
        renew.unref();
        try {
          return await run();
        } finally {
          clearInterval(renew);
          await locks.deleteOne({ _id: key, owner });
        }
      } finally {
        leave(); // also when this caller gave up waiting: the ones behind it go on
      }
    },
  };
}

const busy = (key: string) => new Error(`${key} is busy; try again`); // retryable
