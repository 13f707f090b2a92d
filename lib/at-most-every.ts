/**
 * Wraps `run` so that it starts on the first call, then at most once every `everyMs` in this
 * process; calls in between do nothing. For housekeeping that any request may trigger (pruning expired documents) without
 * every request paying for it.
 */
export function atMostEvery(
  everyMs: number,
  now: () => number,
  run: () => Promise<void>,
): () => Promise<void> {
  let ranAt: number | undefined;
  return () => {
    if (ranAt !== undefined && now() - ranAt < everyMs) return Promise.resolve();
    ranAt = now();
    return run();
  };
}
