/** Aggregate documents one partition remembers per collection before it starts over. */
const KNOWN_DOCUMENTS_LIMIT = 100_000;

/**
 * Aggregate documents known to exist, per source partition and collection: aggregate documents
 * are never deleted, so a chunk whose documents are all known skips the find that looks for
 * missing ones (one round trip of most chunks). A database that loses acknowledged writes may
 * have lost one; each partition knows only documents it created or found in a chunk whose
 * position it then recorded, so that position's check sees the same loss, and the projector
 * forgets the partition's documents when it rewinds. (Shared across partitions, a document known
 * through one would be skipped for another whose own position shows nothing.) Every set is also
 * emptied when an operation fails, and when it grows past KNOWN_DOCUMENTS_LIMIT.
 */
export interface KnownDocuments {
  /** The ids `partition` knows to exist in `collection` (add to it once they do). */
  in(partition: number, collection: string): Set<string>;
  forget(partition: number): void;
  clear(): void;
}

export function createKnownDocuments(limit = KNOWN_DOCUMENTS_LIMIT): KnownDocuments {
  const known = new Map<string, Set<string>>();
  return {
    in(partition, collection) {
      const key = `${partition}|${collection}`;
      let set = known.get(key);
      if (!set || set.size >= limit) known.set(key, (set = new Set()));
      return set;
    },
    forget(partition) {
      for (const key of [...known.keys()]) {
        if (key.startsWith(`${partition}|`)) known.delete(key);
      }
    },
    clear: () => known.clear(),
  };
}
