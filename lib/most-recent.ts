/**
 * Stores `value` under `key` as the most recent entry of `map` (a Map iterates in insertion
 * order, so re-inserting keeps it least recent first), then drops the oldest entries beyond
 * `max`: the bounded caches and counters of a process that must not grow with its clients.
 */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
