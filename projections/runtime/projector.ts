import type { Tracer } from '@opentelemetry/api';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { Registry } from 'prom-client';
import { ORDER_EVENTS_TOPIC, deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { deadLetterMessage } from './dead-letter';
import type { PartitionLag } from './lag';
import { createLagReader } from './lag';
import { createProjectionMetrics } from './metrics';
import { withDeadline } from '../../lib/deadline';
import {
  createMongoProjectionStore,
  DEFAULT_OPERATION_TIMEOUT_MS,
  ensureReadModelIndexes,
} from '../store/mongo-store';
import type { ActiveReadModels } from '../store/pointers';
import type { BatchPlan } from '../fold/plan-batch';
import type { ConsumedMessage } from './process-batch';
import { createConditionWatch } from '../../lib/condition-watch';
import { READY, type Readiness, notReady } from '../../lib/process-readiness';
import { repeatWithoutOverlap } from '../../lib/repeat';
import { DEFAULT_PARTITIONS_CONCURRENTLY } from './config';
import { processBatch, ReadModelBehindError } from './process-batch';

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
  /** Partitions projected at once by this instance; default DEFAULT_PARTITIONS_CONCURRENTLY. */
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
  /**
   * How often the read model's positions of the partitions this instance owns are compared
   * with the group's committed offsets, so a write lost on a partition that receives no new
   * event is read again too (busy partitions are checked before every chunk).
   */
  positionCheckMs?: number;
  /**
   * Called when this instance cannot consume any more and will not recover by itself: kafkajs
   * crashed without restarting, the instance has been out of its group longer than
   * `outOfGroupLimitMs` (a rejoin that never completes), or its partitions have had lag and no
   * chunk committed for `stallLimitMs` (a fetch, commit or database operation that never
   * returns, or a chunk that fails on every retry). The process should exit so its supervisor
   * starts a fresh one; offsets are committed only after durable writes, so nothing is lost.
   * Default: log only.
   */
  onFatal?: (error: Error) => void;
  /** Default: 3 session timeouts. */
  outOfGroupLimitMs?: number;
  /** Default: 3 minutes (a chunk's database operation gives up after `operationTimeoutMs`). */
  stallLimitMs?: number;
  /**
   * Chunks failing with nothing written for this long make the instance fatal too. Seen once in
   * the chaos suite: after the MongoDB-wire server was killed and restarted, every operation of
   * one projector's client failed server selection ("connection 2 closed") for two minutes while
   * the workers' clients had recovered in seconds; a fresh process connects at once. Default:
   * 45 s, longer than one server-selection timeout (30 s) of the driver.
   */
  failingLimitMs?: number;
  /**
   * Longest one database operation, or one broker call of the liveness checks, may take
   * before it fails; a chunk whose operation fails is read again. Default: 1 minute.
   */
  operationTimeoutMs?: number;
  /**
   * Told each change of the instance's readiness: ready once it has joined its group and the
   * partitions assigned to it have caught up with where the topic ended when it joined; not
   * ready again once it stops or cannot consume any more.
   */
  onReadiness?: (readiness: Readiness) => void;
}

export interface Projector {
  readonly groupId: string;
  readiness(): Readiness;
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
  let readiness: Readiness = notReady('creating the read-model indexes');
  const setReadiness = (next: Readiness) => {
    readiness = next;
    options.onReadiness?.(next);
  };
  setReadiness(readiness);
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const store = createMongoProjectionStore(
    options.db,
    collections,
    { groupId, topic },
    { operationTimeoutMs },
  );
  await ensureReadModelIndexes(options.db, collections, operationTimeoutMs);

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
  setReadiness(notReady('connecting to Kafka'));
  await consumer.connect();
  // A group without committed offsets starts at the log start; where a partition resumes is
  // then checked against the read model's own position (process-batch.ts), which wins when it
  // is behind.
  await consumer.subscribe({ topic, fromBeginning: true });
  const chunkSize = options.chunkSize ?? 500;
  /** Partitions moved back to the read model's position, until their next chunk is written. */
  const rewoundTo = new Map<number, number>();
  const rewind = (partition: number, consumerAt: number, readModelAt: number) => {
    // The read model misses events the group's offset is past (a lost write): read them again
    // instead of folding later ones onto the hole (which would dead-letter an order's later
    // events as gaps). kafkajs fetches from there next, and commits it.
    log.warn(
      { partition, consumerAt, readModelAt },
      'read model behind the consumer position; reading the partition again from its position',
    );
    consumer.seek({ topic, partition, offset: String(readModelAt) });
    store.forgetKnownDocuments(partition);
    rewoundTo.set(partition, readModelAt);
    metrics.recordRewind(partition);
  };
  let assigned: readonly number[] = [];
  let memberId: string | undefined;
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    assigned = event.payload.memberAssignment[topic] ?? [];
    memberId = event.payload.memberId;
    // A seek made before the rebalance may not have been applied: check again from scratch.
    rewoundTo.clear();
  });

  // Liveness. kafkajs can stop consuming without the process noticing: a crash it does not
  // restart from, or (seen in the chaos run, after a chunk outlived the session under load) a
  // rejoin after "the coordinator is not aware of this member" that never completes, or (seen
  // in a later run) partitions that stop advancing with lag while the member looks stable. Each
  // leaves a healthy-looking process that projects nothing, so each is reported as fatal.
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
  const outOfGroupLimitMs = options.outOfGroupLimitMs ?? 3 * sessionTimeoutMs;
  let fatal = false;
  const reportFatal = (error: Error) => {
    if (fatal || stopped) return;
    fatal = true;
    log.error({ err: error }, 'projector cannot consume any more');
    setReadiness(notReady(`cannot consume any more (${error.message})`));
    options.onFatal?.(error);
  };
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) reportFatal(event.payload.error);
  });
  const membership = createConditionWatch(
    `not a member of group ${groupId}`,
    outOfGroupLimitMs,
    Date.now(),
  );
  const progress = createConditionWatch(
    'lag and no chunk committed',
    options.stallLimitMs ?? 180_000,
    Date.now(),
  );
  // Like `progress`, but fed by the chunks themselves, so it fires before the slower stall rule.
  const chunks = createConditionWatch(
    'chunks failing with nothing written',
    options.failingLimitMs ?? 45_000,
    Date.now(),
  );
  let chunksFailing = false;
  let committedSinceCheck = false;
  const bounded = <T>(what: string, call: () => Promise<T>) =>
    withDeadline(what, operationTimeoutMs, call);
  const checkMembership = async () => {
    const { groups } = await bounded('describing the group', () => admin.describeGroups([groupId]));
    const isMember = groups[0]?.members.some((m) => m.memberId === memberId) === true;
    const outside = membership.observe(isMember, Date.now());
    if (outside) reportFatal(outside);
  };
  const checkProgress = async () => {
    const committed = await bounded('reading the group lag', lag);
    const behind = committed.some((c) => assigned.includes(c.partition) && c.lag > 0);
    const stalled = progress.observe(!behind || committedSinceCheck, Date.now());
    committedSinceCheck = false;
    if (stalled) reportFatal(stalled);
  };
  const checkIdlePositions = async () => {
    // Committed offsets first: a position read afterwards can only be lower through a loss.
    const committed = await bounded('reading the group lag', lag);
    for (const partition of assigned) {
      const at = committed.find((c) => c.partition === partition);
      if (!at || rewoundTo.has(partition)) continue;
      const position = (await store.loadPosition(partition)) ?? 0;
      if (position < at.committed && assigned.includes(partition)) {
        rewind(partition, at.committed, position);
      }
    }
  };

  // Until kafkajs has joined the group, nothing else tells a person why nothing happens; a
  // member of an earlier process that did not leave holds the join for its session timeout.
  log.info({ sessionTimeoutMs }, 'joining the consumer group');
  setReadiness(notReady(`joining consumer group ${groupId}`));
  const slowJoin = setTimeout(() => {
    const why = `slow: perhaps a member of an earlier run that did not leave, dropped when its ${sessionTimeoutMs / 1000} s session expires`;
    log.info({ sessionTimeoutMs }, `still joining the consumer group (${why})`);
    setReadiness(notReady(`joining consumer group ${groupId} (${why})`));
  }, SLOW_JOIN_MS);
  slowJoin.unref();
  const running = consumer.run({
    partitionsConsumedConcurrently:
      options.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
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
        let counts: BatchPlan['counts'];
        // A chunk can take longer than the session on a loaded server: keep the membership
        // alive while it is written, not only between chunks.
        const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 3_000);
        try {
          counts = await processBatch(
            {
              store,
              resumedAt: rewoundTo.get(batch.partition),
              deadLetter: (message, error) => deadLetter(batch.partition, message, error),
              afterAggregates:
                options.afterAggregates && (() => options.afterAggregates!(batch.partition)),
              tracer: options.tracer,
            },
            batch.partition,
            chunk,
          );
        } catch (error) {
          if (!(error instanceof ReadModelBehindError)) {
            const now = Date.now();
            if (!chunksFailing) chunks.observe(true, now); // a streak of failures starts here
            chunksFailing = true;
            const failing = chunks.observe(false, now);
            if (failing) reportFatal(failing);
            throw error;
          }
          rewind(batch.partition, error.chunkStart, error.resumeAt);
          return;
        } finally {
          clearInterval(beat);
        }
        chunksFailing = false;
        chunks.observe(true, Date.now());
        rewoundTo.delete(batch.partition);
        const last = chunk[chunk.length - 1];
        payload.resolveOffset(last.offset);
        await payload.commitOffsetsIfNecessary();
        committedSinceCheck = true;
        await payload.heartbeat();
        metrics.recordBatch(counts, Number(process.hrtime.bigint() - started) / 1e9);
        options.onProgress?.({ partition: batch.partition, offset: last.offset, counts });
      }
    },
  });
  await running.finally(() => clearTimeout(slowJoin));
  log.info({ collections, partitions: assigned }, 'projector started');

  // Each check runs on its own timer, apart from the chunks and from the other checks, and
  // every call it makes is bounded: the rule that reports a hung database must not wait on
  // that database (the stall rule once shared its turn with a position read that never
  // returned, and never fired while a write hung).
  const checkMs = options.positionCheckMs ?? 15_000;
  const repeat = (what: string, check: () => Promise<void>) =>
    repeatWithoutOverlap(checkMs, () =>
      check().catch((error: unknown) => log.warn({ err: error }, `${what} failed`)),
    );
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const stopChecks = [
    repeat('checking progress', checkProgress),
    repeat('checking group membership', checkMembership),
    repeat('checking read-model positions', checkIdlePositions),
  ];
  const stopCatchUp = watchCatchUp({
    log,
    lag: () => bounded('reading the group lag', lag),
    assigned: () => assigned,
    isReady: () => readiness.ready || fatal || stopped,
    onChange: setReadiness,
  });

  return {
    groupId,
    lag,
    readiness: () => readiness,
    // Every caller waits for the same stop: a second signal must not let the process exit before
    // the consumer has left its group (a member that never left holds the next join of the
    // group for its whole session timeout).
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        setReadiness(notReady('stopping'));
        stopCatchUp();
        for (const stop of stopChecks) stop();
        await consumer.disconnect();
        await admin.disconnect();
        log.info('projector stopped');
      })()),
  };
}

/** A join that takes longer than this is most likely held by a member that did not leave. */
const SLOW_JOIN_MS = 3_000;

/** How often readiness compares the group's committed offsets with its targets. */
const CATCH_UP_CHECK_MS = 500;

/**
 * Until the instance is ready: compares the committed offsets of the partitions assigned to it
 * with the end offsets the topic had at the first check after the join (events published later
 * are the ordinary flow, not a backlog), and reports ready once none is behind. Returns the stop.
 */
function watchCatchUp(w: {
  log: Logger;
  lag: () => Promise<PartitionLag[]>;
  assigned: () => readonly number[];
  isReady: () => boolean;
  onChange: (readiness: Readiness) => void;
}): () => void {
  let targets: Map<number, number> | undefined;
  let stop = () => {};
  const check = async () => {
    if (w.isReady()) return stop();
    const positions = await w.lag();
    if (w.isReady()) return; // stopped or failed meanwhile: that state stands
    targets ??= new Map(positions.map((p) => [p.partition, p.end]));
    const readiness = catchUpReadiness(w.assigned(), positions, targets);
    if (readiness.ready) w.log.info('caught up with the topic: ready');
    w.onChange(readiness);
  };
  const checkLogged = () =>
    check().catch((error: unknown) => w.log.debug({ err: error }, 'checking the catch-up failed'));
  void checkLogged();
  stop = repeatWithoutOverlap(CATCH_UP_CHECK_MS, checkLogged);
  return () => stop();
}

/** Ready when no partition assigned to the instance has its committed offset before its target. */
export function catchUpReadiness(
  assigned: readonly number[],
  positions: readonly PartitionLag[],
  targets: ReadonlyMap<number, number>,
): Readiness {
  const behind = positions
    .filter((p) => assigned.includes(p.partition))
    .map((p) => ({ partition: p.partition, left: (targets.get(p.partition) ?? 0) - p.committed }))
    .filter((p) => p.left > 0);
  if (behind.length === 0) return READY;
  const events = behind.reduce((n, p) => n + p.left, 0);
  const partitions = behind.map((p) => p.partition).join(', ');
  return notReady(`catching up: ${events} events to project on partition(s) ${partitions}`);
}
