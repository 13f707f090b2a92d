import type { RateLimitCounters } from '../ports';

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
      windows.delete(key); // re-inserted last: Map order is then least recently used first
      windows.set(key, { start: windowStart, hits });
      for (const [oldest] of windows) {
        if (windows.size <= maxKeys) break;
        windows.delete(oldest);
      }
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
