import { withDeadline } from '../lib/deadline';

/**
 * Runs task(0..count-1) with at most `concurrency` in flight; resolves when all are done and
 * rejects on the first failure (after the in-flight ones settle), so a bench never leaves work
 * running behind its figures.
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failure) throw failure.error;
}

/** Rejects if `promise` takes longer than `ms`: every bench step is bounded in time. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(what, ms, () => promise);
}
