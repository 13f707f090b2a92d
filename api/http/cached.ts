/**
 * `load` at most once per `ttlMs`: callers while a load runs share it, and callers within
 * `ttlMs` after it settled share its result, so a burst of probes runs the probes once.
 */
export function cached<T>(
  load: () => Promise<T>,
  ttlMs: number,
  now: () => number,
): () => Promise<T> {
  let last: { value: Promise<T>; settledAt?: number } | undefined;
  return () => {
    if (last && (last.settledAt === undefined || now() - last.settledAt < ttlMs)) return last.value;
    const entry: { value: Promise<T>; settledAt?: number } = { value: load() };
    last = entry;
    entry.value.then(
      () => {
        entry.settledAt = now();
      },
      // A failed load is not kept: the next caller tries again.
      () => {
        if (last === entry) last = undefined;
      },
    );
    return entry.value;
  };
}
