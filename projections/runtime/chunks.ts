import type { Tracer } from '@opentelemetry/api';
import type { EachBatchPayload } from 'kafkajs';
import type { BatchPlan } from '../fold/plan-batch';
import type { ProjectionStore } from '../store/mongo-store';
import type { Liveness } from './liveness';
import type { ProjectionMetrics } from './metrics';
import type { ConsumedMessage } from './process-batch';
import { processBatch, ReadModelBehindError } from './process-batch';
import type { PartitionRewinds } from './rewinds';

export interface ChunkProgress {
  partition: number;
  offset: string;
  counts: BatchPlan['counts'];
}

export interface ChunkDeps {
  store: ProjectionStore;
  /** Messages per write round; offsets are committed after each. */
  chunkSize: number;
  rewinds: PartitionRewinds;
  liveness: Pick<Liveness, 'chunkFailed' | 'chunkWritten' | 'chunkCommitted'>;
  metrics: Pick<ProjectionMetrics, 'recordBatch'>;
  deadLetter: (partition: number, message: ConsumedMessage, error: Error) => Promise<void>;
  afterAggregates?: (partition: number) => Promise<void> | void;
  tracer?: Tracer;
  onProgress?: (progress: ChunkProgress) => void;
}

/** How often a chunk being written heartbeats: a write can outlive the session on a loaded server. */
const HEARTBEAT_MS = 3_000;

/**
 * kafkajs's `eachBatch`: the batch in chunks of `chunkSize`, each written, then its offset
 * resolved and committed (offsets are resolved by hand, only once a chunk's writes are durable).
 */
export function chunkedBatchHandler(deps: ChunkDeps) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    for (let start = 0; start < batch.messages.length; start += deps.chunkSize) {
      // Stopped or rebalanced away: leave the rest to whoever owns the partition now.
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(start, start + deps.chunkSize);
      const started = process.hrtime.bigint();
      const counts = await writeChunk(deps, payload, chunk);
      if (!counts) return; // rewound: kafkajs fetches the partition again from its new position
      const last = chunk[chunk.length - 1];
      payload.resolveOffset(last.offset);
      await payload.commitOffsetsIfNecessary();
      deps.liveness.chunkCommitted();
      deps.metrics.recordBatch(counts, Number(process.hrtime.bigint() - started) / 1e9);
      deps.onProgress?.({ partition: batch.partition, offset: last.offset, counts });
      // After the progress: a heartbeat that is due is a round trip to the group's coordinator.
      await payload.heartbeat();
    }
  };
}

/** Writes one chunk; undefined when the read model was behind and the partition was rewound. */
async function writeChunk(
  deps: ChunkDeps,
  payload: EachBatchPayload,
  chunk: ConsumedMessage[],
): Promise<BatchPlan['counts'] | undefined> {
  const { partition } = payload.batch;
  const afterAggregates = deps.afterAggregates;
  // Keep the membership alive while the chunk is written, not only between chunks.
  const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_MS);
  try {
    const counts = await processBatch(
      {
        store: deps.store,
        resumedAt: deps.rewinds.resumedAt(partition),
        deadLetter: (message, error) => deps.deadLetter(partition, message, error),
        afterAggregates: afterAggregates && (() => afterAggregates(partition)),
        tracer: deps.tracer,
      },
      partition,
      chunk,
    );
    deps.liveness.chunkWritten();
    deps.rewinds.written(partition);
    return counts;
  } catch (error) {
    if (!(error instanceof ReadModelBehindError)) {
      deps.liveness.chunkFailed();
      throw error;
    }
    deps.rewinds.rewind(partition, error.chunkStart, error.resumeAt);
    return undefined;
  } finally {
    clearInterval(beat);
  }
}
