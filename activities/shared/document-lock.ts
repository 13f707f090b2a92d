import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';

// Short leases per key: one holder at a time across processes.
//
// Why: some work spans two documents, and without multi-document transactions (the local
// MongoDB-wire server has none) single-document conditions cannot stop two runs of the same work
// from interleaving. The reservation store runs the attempts of one reservation under a lease
// (activities/inventory/reservations.ts explains the race). Taking a lease is one atomic
// single-document write, on MongoDB and FerretDB alike. A holder that crashed leaves its lease
// to expire, then it is taken over; a live holder renews its lease while it runs, so a critical
// section slowed down by load (longer than one lease) is not taken over half-way, which would
// let two runs race again.
//
// Where the lease is kept is up to the caller (a LeaseHolder): in a document of its own
// (createDocumentLock, the `locks` collection), or in the very document the work guards, where
// taking it can be the work's first write and giving it back its last (the reservations).

export const LOCKS_COLLECTION = 'locks';

export interface LockOptions {
  /** A crashed holder blocks the key this long at most; a live one renews it every third. */
  leaseMs?: number;
  /** How long to wait for a busy key before giving up with a retryable error. */
  waitMs?: number;
}

/** Where one key's lease is kept. */
export interface LeaseHolder<T> {
  /**
   * Takes the lease for `owner` until `expiresAt` if it is free or expired, in one write;
   * resolves with what the lease guards, or undefined while a live holder has it.
   */
  take(owner: string, expiresAt: Date): Promise<T | undefined>;
  renew(owner: string, expiresAt: Date): Promise<unknown>;
  /** Gives `owner`'s lease back (a no-op once it is not theirs). */
  give(owner: string): Promise<unknown>;
}

/** A lease while its holder runs. */
export interface Lease<T> {
  readonly owner: string;
  /** What `take` resolved with. */
  readonly held: T;
  /** Tells that the run gave the lease back in a write of its own: no separate give-back. */
  givenBack(): void;
}

export interface Leases {
  with<T, R>(key: string, holder: LeaseHolder<T>, run: (lease: Lease<T>) => Promise<R>): Promise<R>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createLeases({ leaseMs = 10_000, waitMs = 10_000 }: LockOptions = {}): Leases {
  // Callers in this process queue here for a key, so only the head of the queue polls the
  // database: a hundred waiters polling one lease would load the server more than the work
  // they wait for.
  const queues = new Map<string, Promise<void>>();
  const expiry = () => new Date(Date.now() + leaseMs);

  async function acquire<T>(key: string, holder: LeaseHolder<T>, owner: string, deadline: number) {
    for (let attempt = 1; ; attempt++) {
      const held = await holder.take(owner, expiry());
      if (held !== undefined) return held;
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
    async with(key, holder, run) {
      const deadline = Date.now() + waitMs;
      const { turn, leave } = joinQueue(key, deadline);
      try {
        await turn;
        const owner = randomUUID();
        const held = await acquire(key, holder, owner, deadline);
        let givenBack = false;
        const renew = setInterval(() => {
          // A missed renewal is retried at the next tick.
          holder.renew(owner, expiry()).catch(() => undefined);
        }, leaseMs / 3);
        renew.unref();
        try {
          return await run({ owner, held, givenBack: () => (givenBack = true) });
        } finally {
          clearInterval(renew);
          if (!givenBack) await holder.give(owner);
        }
      } finally {
        leave(); // also when this caller gave up waiting: the ones behind it go on
      }
    },
  };
}

interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface DocumentLock {
  with<T>(key: string, run: () => Promise<T>): Promise<T>;
}

/** Leases in documents of their own (`locks`), taken by inserting one with a unique `_id`. */
export function createDocumentLock(db: Db, options: LockOptions = {}): DocumentLock {
  const locks: Collection<LockDoc> = db.collection(LOCKS_COLLECTION);
  const leases = createLeases(options);
  const holderOf = (key: string): LeaseHolder<true> => ({
    async take(owner, expiresAt) {
      try {
        await locks.insertOne({ _id: key, owner, expiresAt });
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await locks.findOne({ _id: key });
      if (held && held.expiresAt.getTime() < Date.now())
        await locks.deleteOne({ _id: key, owner: held.owner }); // take over an abandoned lease
      return undefined;
    },
    renew: (owner, expiresAt) => locks.updateOne({ _id: key, owner }, { $set: { expiresAt } }),
    give: (owner) => locks.deleteOne({ _id: key, owner }),
  });
  return { with: (key, run) => leases.with(key, holderOf(key), () => run()) };
}

const busy = (key: string) => new Error(`${key} is busy; try again`); // retryable
