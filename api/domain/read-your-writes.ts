// Waiting for a read model to catch up with a write the client just made (minVersion). Pure
// apart from the injected clock and sleep, so tests run it without real time.

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

export interface WaitOptions {
  timeoutMs: number;
  clock: Clock;
  /** Aborted when the client goes away, so nobody polls for a closed connection. */
  signal?: AbortSignal;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export interface WaitOutcome<T> {
  value: T | null;
  /** Whether `isDone` held before the deadline. */
  reached: boolean;
  waitedMs: number;
}

/**
 * Loads until `isDone(value)` or the deadline, sleeping with exponential backoff (capped) in
 * between; the last sleep is shortened to end exactly at the deadline, and one final load is
 * made there, so a value that arrives just in time is not missed.
 */
export async function pollUntil<T>(
  load: () => Promise<T | null>,
  isDone: (value: T | null) => boolean,
  options: WaitOptions,
): Promise<WaitOutcome<T>> {
  const { clock, signal, timeoutMs } = options;
  const started = clock.now();
  const deadline = started + timeoutMs;
  let delay = options.firstDelayMs ?? 25;
  const maxDelay = options.maxDelayMs ?? 500;
  for (;;) {
    const value = await load();
    const now = clock.now();
    if (isDone(value)) return { value, reached: true, waitedMs: now - started };
    if (now >= deadline || signal?.aborted) {
      return { value, reached: false, waitedMs: now - started };
    }
    await clock.sleep(Math.min(delay, deadline - now), signal);
    delay = Math.min(delay * 2, maxDelay);
  }
}
