import type { Consumer } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import type { ProjectionStore } from '../store/mongo-store';
import type { PartitionLag } from './lag';
import type { ProjectionMetrics } from './metrics';

/**
 * Partitions moved back to the read model's own position. The read model misses events the
 * group's offset is past (a lost write): they are read again instead of folding later ones onto
 * the hole (which would dead-letter an order's later events as gaps).
 */
export interface PartitionRewinds {
  /** Where `partition` was moved back to, until its next chunk is written. */
  resumedAt(partition: number): number | undefined;
  rewind(partition: number, consumerAt: number, readModelAt: number): void;
  /** A chunk of `partition` was written: it reads on from there. */
  written(partition: number): void;
  /** After a rebalance: a seek made before it may not have been applied, so check afresh. */
  clear(): void;
  /**
   * Compares the read model's position of each idle partition with the group's committed
   * offset (busy partitions are checked before every chunk, in process-batch.ts).
   */
  checkIdle(assigned: () => readonly number[], committed: readonly PartitionLag[]): Promise<void>;
}

export function createPartitionRewinds(deps: {
  log: Logger;
  topic: string;
  consumer: Pick<Consumer, 'seek'>;
  store: Pick<ProjectionStore, 'loadPosition' | 'forgetKnownDocuments'>;
  metrics: Pick<ProjectionMetrics, 'recordRewind'>;
}): PartitionRewinds {
  const rewoundTo = new Map<number, number>();
  const rewind = (partition: number, consumerAt: number, readModelAt: number) => {
    deps.log.warn(
      { partition, consumerAt, readModelAt },
      'read model behind the consumer position; reading the partition again from its position',
    );
    // kafkajs fetches from there next, and commits it.
    deps.consumer.seek({ topic: deps.topic, partition, offset: String(readModelAt) });
    deps.store.forgetKnownDocuments(partition);
    rewoundTo.set(partition, readModelAt);
    deps.metrics.recordRewind(partition);
  };
  return {
    resumedAt: (partition) => rewoundTo.get(partition),
    rewind,
    written: (partition) => rewoundTo.delete(partition),
    clear: () => rewoundTo.clear(),
    async checkIdle(assigned, committed) {
      // The caller read the committed offsets first: a position read afterwards can only be
      // lower through a loss.
      for (const partition of assigned()) {
        const at = committed.find((c) => c.partition === partition);
        if (!at || rewoundTo.has(partition)) continue;
        const position = (await deps.store.loadPosition(partition)) ?? 0;
        if (position < at.committed && assigned().includes(partition)) {
          rewind(partition, at.committed, position);
        }
      }
    },
  };
}
