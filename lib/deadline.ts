/** An operation did not settle in time; whether it took effect on the server is unknown. */
export class DeadlineExceededError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Runs `work` and rejects with a DeadlineExceededError once `ms` have passed, whether or not
 * `work` ever settles. At that moment `signal` aborts, so a client that honours it can also
 * release what the operation holds (the MongoDB driver closes the connection).
 */
export function withDeadline<T>(
  what: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceededError(what, ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  // A synchronous throw of `work` becomes a rejection, so the timer is always cleared.
  const running = new Promise<T>((resolve) => resolve(work(controller.signal)));
  return Promise.race([running, expired]).finally(() => clearTimeout(timer));
}
