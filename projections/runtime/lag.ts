import type { Admin } from 'kafkajs';

export interface PartitionLag {
  partition: number;
  /** Next offset the group will read (its committed offset, or the log start if none). */
  committed: number;
  /** Offset the next produced message will get. */
  end: number;
  lag: number;
}

/**
 * Lag per partition from committed and end offsets. A group that has committed nothing (`-1`)
 * will start at the log start, so its lag is the whole retained log.
 */
export function computeLag(
  committed: readonly { partition: number; offset: string }[],
  ends: readonly { partition: number; high: string; low: string }[],
): PartitionLag[] {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return ends
    .map(({ partition, high, low }) => {
      const c = byPartition.get(partition) ?? -1;
      const position = c < 0 ? Number(low) : c;
      const end = Number(high);
      return { partition, committed: position, end, lag: Math.max(0, end - position) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Reads a consumer group's lag on a topic through the admin API. */
export function createLagReader(admin: Admin, groupId: string, topic: string) {
  return async (): Promise<PartitionLag[]> => {
    const [offsets, ends] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    const partitions = offsets.find((o) => o.topic === topic)?.partitions ?? [];
    return computeLag(partitions, ends);
  };
}
