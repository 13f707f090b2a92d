// Waiting for a read model to catch up with a write the client just made (minVersion). Pure
// apart from the injected clock, loader and sleep, so tests run it without real time.

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface WaitOutcome<T> {
  value: T | null;
  /** Whether `isDone` held before the deadline. */
  reached: boolean;
  waitedMs: number;
}

export interface WaitRequest<T> {
  isDone(value: T | null): boolean;
  timeoutMs: number;
  /** Aborted when the client goes away: the wait ends at once with what it last saw. */
  signal?: AbortSignal;
}

export interface ReadModelWatch<T> {
  /** Loads `id` until `isDone` holds or the deadline passes; the deadline gets one last look. */
  wait(id: string, request: WaitRequest<T>): Promise<WaitOutcome<T>>;
}

export interface ReadModelWatchOptions<T> {
  /** One document, read when a wait starts (most waits are satisfied at once). */
  loadOne(id: string): Promise<T | null>;
  /** Many documents in one read: the ids found, with their values. */
  loadMany(ids: readonly string[]): Promise<ReadonlyMap<string, T>>;
  clock: Clock;
  /** How often the waits still open are read, all together. */
  intervalMs?: number;
  /** Ids per read; more open waits take several reads per round. */
  maxIdsPerRead?: number;
}

interface Waiter<T> {
  id: string;
  request: WaitRequest<T>;
  started: number;
  deadline: number;
  last: T | null;
  settle(outcome: WaitOutcome<T>): void;
  fail(error: unknown): void;
}

/**
 * Read-your-writes waits of one API instance, served by one loop: every `intervalMs` it reads
 * the documents of all open waits together (one `$in` query per `maxIdsPerRead` ids) and
 * settles those that are done or out of time. The database sees about 1000/intervalMs reads a
 * second per instance, however many clients wait, and a wait notices its version within one
 * interval of the projector's commit (a per-wait poll with backoff saw it up to its longest
 * sleep later, and read as often as all waits together).
 */
export function createReadModelWatch<T>(options: ReadModelWatchOptions<T>): ReadModelWatch<T> {
  const { clock } = options;
  const intervalMs = options.intervalMs ?? 25;
  const maxIds = options.maxIdsPerRead ?? 500;
  const open = new Set<Waiter<T>>();
  let looping = false;

  const finish = (w: Waiter<T>, reached: boolean) => {
    open.delete(w);
    w.settle({ value: w.last, reached, waitedMs: clock.now() - w.started });
  };

  /** Settles what is done, out of time or abandoned; true while any wait is left. */
  const sweep = (): boolean => {
    const now = clock.now();
    for (const w of open) {
      if (w.request.isDone(w.last)) finish(w, true);
      else if (now >= w.deadline || w.request.signal?.aborted) finish(w, false);
    }
    return open.size > 0;
  };

  const loop = async () => {
    looping = true;
    try {
      while (sweep()) {
        const now = clock.now();
        const nextDeadline = Math.min(...[...open].map((w) => w.deadline));
        // Sleep to the next round, or to the earliest deadline for its last look.
        await clock.sleep(Math.max(0, Math.min(intervalMs, nextDeadline - now)));
        await readAll(open, (ids) => options.loadMany(ids), maxIds);
      }
    } finally {
      looping = false;
    }
  };

  return {
    async wait(id, request) {
      const started = clock.now();
      const first = await options.loadOne(id);
      const now = clock.now();
      if (request.isDone(first)) return { value: first, reached: true, waitedMs: now - started };
      if (now >= started + request.timeoutMs || request.signal?.aborted)
        return { value: first, reached: false, waitedMs: now - started };
      return new Promise<WaitOutcome<T>>((settle, fail) => {
        const waiter: Waiter<T> = {
          id,
          request,
          started,
          deadline: started + request.timeoutMs,
          last: first,
          settle,
          fail,
        };
        open.add(waiter);
        // A client that goes away frees its wait now, not at the next round.
        request.signal?.addEventListener('abort', () => open.has(waiter) && finish(waiter, false), {
          once: true,
        });
        if (!looping)
          loop().catch((error: unknown) => {
            // Only a bug gets here (a predicate that throws): no wait may hang on it.
            for (const w of open) w.fail(error);
            open.clear();
          });
      });
    },
  };
}

/** Reads the documents of every open wait, `maxIds` ids per read, into each wait's `last`. */
async function readAll<T>(
  open: Set<Waiter<T>>,
  loadMany: ReadModelWatchOptions<T>['loadMany'],
  maxIds: number,
): Promise<void> {
  const waiters = [...open];
  const ids = [...new Set(waiters.map((w) => w.id))];
  for (let i = 0; i < ids.length; i += maxIds) {
    const chunk = ids.slice(i, i + maxIds);
    let found: ReadonlyMap<string, T>;
    try {
      found = await loadMany(chunk);
    } catch (error) {
      // The waits of this read answer with the error, as a direct read would.
      const ids = new Set(chunk);
      for (const w of waiters) if (ids.has(w.id) && open.delete(w)) w.fail(error);
      continue;
    }
    for (const w of waiters) if (found.has(w.id)) w.last = found.get(w.id) ?? null;
  }
}
