import type { RateLimitCounters } from '../ports';
import { setMostRecent } from '../../lib/most-recent';

/**
 * Counters in this process: right for one API instance (the default) and for unit tests. Only
 * the current window of each key is kept, and at most `maxKeys` keys (oldest dropped first).
 */
export function createMemoryRateLimitCounters(maxKeys = 100_000): RateLimitCounters {
  const windows = new Map<string, { start: number; hits: number }>();
  return {
    hit(key, windowStart) {
      const current = windows.get(key);
      const hits = current?.start === windowStart ? current.hits + 1 : 1;
      setMostRecent(windows, key, { start: windowStart, hits }, maxKeys);
      return Promise.resolve(hits);
    },
    unhit(key, windowStart) {
      const current = windows.get(key);
      if (current?.start === windowStart && current.hits > 0) current.hits -= 1;
      return Promise.resolve();
    },
    reset(key) {
      windows.delete(key);
      return Promise.resolve();
    },
  };
}
