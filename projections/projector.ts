import type { Tracer } from '@opentelemetry/api';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { Registry } from 'prom-client';
import { ORDER_EVENTS_TOPIC, deadLetterTopic } from '../contracts/topics';
import type { MessagePublisher } from '../lib/kafka';
import type { Logger } from '../lib/logger';
import { deadLetterMessage } from './dead-letter';
import type { PartitionLag } from './lag';
import { createLagReader } from './lag';
import { createProjectionMetrics } from './metrics';
import { createMongoProjectionStore, ensureReadModelIndexes } from './mongo-store';
import type { ActiveReadModels } from './pointers';
import type { BatchPlan } from './plan-batch';
import type { ConsumedMessage } from './process-batch';
import { processBatch } from './process-batch';

export interface ProjectorOptions {
  kafka: Kafka;
  db: Db;
  logger: Logger;
  registry: Registry;
  /** Collections to write and the consumer group whose offsets belong to them. */
  readModels: ActiveReadModels;
  topic?: string;
  /**
   * Where poison events go: published to `<topic>.DLT` (the live projector), or only logged
   * and counted (a rebuild replaying events that were dead-lettered long ago).
   */
  deadLetters: { mode: 'publish'; publisher: MessagePublisher } | { mode: 'count-only' };
  /** Start a group with no committed offsets at the log start (always true for projections). */
  fromBeginning?: boolean;
  /** Partitions projected at once by this instance. */
  partitionsConcurrently?: number;
  /** Messages per write round; offsets are committed after each. */
  chunkSize?: number;
  sessionTimeoutMs?: number;
  /** Test seam, see BatchPorts.afterAggregates. */
  afterAggregates?: (partition: number) => Promise<void> | void;
  /** Called after each committed chunk (progress displays, tests). */
  onProgress?: (progress: {
    partition: number;
    offset: string;
    counts: BatchPlan['counts'];
  }) => void;
  /** Traces each fold, continuing the producers' traces; default: the global (no-op) tracer. */
  tracer?: Tracer;
}

export interface Projector {
  readonly groupId: string;
  /** Committed vs end offsets per partition of the topic. */
  lag(): Promise<PartitionLag[]>;
  /** Stops consuming (the current chunk finishes and is committed) and disconnects. */
  stop(): Promise<void>;
}

/**
 * Starts a projector instance in the group `readModels.groupId`. Run several (processes or
 * calls) to share the partitions; each partition is projected by one of them at a time.
 */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const topic = options.topic ?? ORDER_EVENTS_TOPIC;
  const { groupId, collections } = options.readModels;
  const log = options.logger.child({ component: 'projector', groupId, topic });
  const store = createMongoProjectionStore(options.db, collections);
  await ensureReadModelIndexes(options.db, collections);

  const admin = options.kafka.admin();
  await admin.connect();
  const lag = createLagReader(admin, groupId, topic);
  const metrics = createProjectionMetrics({ registry: options.registry, groupId, topic, lag });

  const deadLetters = options.deadLetters;
  const deadLetter = async (partition: number, message: ConsumedMessage, error: Error) => {
    log.warn(
      { partition, offset: message.offset, err: error, mode: deadLetters.mode },
      'dead-lettering an event',
    );
    if (deadLetters.mode === 'count-only') return;
    await deadLetters.publisher.publish(deadLetterTopic(topic), [
      deadLetterMessage({ topic, partition, groupId, message, error }),
    ]);
  };

  const consumer = options.kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
  const chunkSize = options.chunkSize ?? 500;

  await consumer.run({
    partitionsConsumedConcurrently: options.partitionsConcurrently ?? 2,
    // Offsets are resolved by hand, only once a chunk's writes are durable; the threshold of 1
    // makes commitOffsetsIfNecessary commit whatever has been resolved.
    eachBatchAutoResolve: false,
    autoCommitThreshold: 1,
    eachBatch: async (payload) => {
      const { batch } = payload;
      for (let start = 0; start < batch.messages.length; start += chunkSize) {
        // Stopped or rebalanced away: leave the rest to whoever owns the partition now.
        if (!payload.isRunning() || payload.isStale()) return;
        const chunk = batch.messages.slice(start, start + chunkSize);
        const started = process.hrtime.bigint();
        const counts = await processBatch(
          {
            store,
            deadLetter: (message, error) => deadLetter(batch.partition, message, error),
            afterAggregates:
              options.afterAggregates && (() => options.afterAggregates!(batch.partition)),
            tracer: options.tracer,
          },
          batch.partition,
          chunk,
        );
        const last = chunk[chunk.length - 1];
        payload.resolveOffset(last.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
        metrics.recordBatch(counts, Number(process.hrtime.bigint() - started) / 1e9);
        options.onProgress?.({ partition: batch.partition, offset: last.offset, counts });
      }
    },
  });
  log.info({ collections }, 'projector started');

  let stopped = false;
  return {
    groupId,
    lag,
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect();
      await admin.disconnect();
      log.info('projector stopped');
    },
  };
}
