import type { Progress } from './types';

/** Progress lines on stderr, so stdout stays clean for status output and CI logs show steps. */
export const stderrProgress: Progress = (line) => {
  process.stderr.write(`[stack] ${line}\n`);
};

export const silentProgress: Progress = () => undefined;

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;
}

/**
 * Runs `work`, printing `label` at the start, a ticker every `everyMs` while it runs (slow
 * steps such as pip, mvn or go build look hung otherwise) and the elapsed time at the end.
 */
export async function withTicker<T>(
  progress: Progress,
  label: string,
  work: () => Promise<T>,
  everyMs = 5000,
): Promise<T> {
  const started = Date.now();
  progress(`${label} ...`);
  const timer = setInterval(() => progress(`${label} ... ${seconds(started)}`), everyMs);
  timer.unref();
  try {
    const result = await work();
    progress(`${label}: done in ${seconds(started)}`);
    return result;
  } catch (err) {
    progress(`${label}: FAILED after ${seconds(started)}`);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
