import type { Tracer } from '@opentelemetry/api';
import type { Consumer, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { Registry } from 'prom-client';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';
import { withDeadline } from '../../lib/deadline';
import type { Logger } from '../../lib/logger';
import { type Readiness, notReady } from '../../lib/process-readiness';
import { repeatWithoutOverlap } from '../../lib/repeat';
import {
  createMongoProjectionStore,
  DEFAULT_OPERATION_TIMEOUT_MS,
  ensureReadModelIndexes,
  type ProjectionSource,
  type ProjectionStore,
} from '../store/mongo-store';
import type { ActiveReadModels, ReadModelNames } from '../store/pointers';
import { watchCatchUp } from './catch-up';
import { chunkedBatchHandler, type ChunkDeps, type ChunkProgress } from './chunks';
import { DEFAULT_PARTITIONS_CONCURRENTLY } from './config';
import { createDeadLetterSink, type DeadLetterMode } from './dead-letter';
import type { PartitionLag } from './lag';
import { createLagReader } from './lag';
import { createLiveness, type Liveness, type LivenessLimits } from './liveness';
import { createProjectionMetrics } from './metrics';
import { createPartitionRewinds, type PartitionRewinds } from './rewinds';

export { catchUpReadiness } from './catch-up';

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
  deadLetters: DeadLetterMode;
  /** Partitions projected at once by this instance; default DEFAULT_PARTITIONS_CONCURRENTLY. */
  partitionsConcurrently?: number;
  /** Messages per write round; offsets are committed after each. */
  chunkSize?: number;
  sessionTimeoutMs?: number;
  /** Test seam, see BatchPorts.afterAggregates. */
  afterAggregates?: (partition: number) => Promise<void> | void;
  /** Called after each committed chunk (progress displays, tests). */
  onProgress?: (progress: ChunkProgress) => void;
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
   * Chunks failing with nothing written for this long make the instance fatal too: a client can
   * stay unable to select its server long after the server is back, where a fresh process
   * connects at once (docs/operations.md, "Incident notes"). Default: 45 s, longer than one
   * server-selection timeout (30 s) of the driver.
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
  const status = createProjectorStatus(log, options);
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const bounded = <T>(what: string, call: () => Promise<T>) =>
    withDeadline(what, operationTimeoutMs, call);
  const source = { groupId, topic };
  const store = await openProjectionStore(options.db, collections, source, operationTimeoutMs);

  const admin = options.kafka.admin();
  await admin.connect();
  const lag = createLagReader(admin, groupId, topic);
  const metrics = createProjectionMetrics({ registry: options.registry, groupId, topic, lag });
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const consumer = await connectConsumer(
    options.kafka,
    { groupId, topic, sessionTimeoutMs },
    status,
  );
  const rewinds = createPartitionRewinds({ log, topic, consumer, store, metrics });
  const group = followGroupMembership(consumer, topic, rewinds, store);
  const liveness = createLiveness({
    groupId,
    admin,
    lag,
    memberId: () => group.memberId,
    assigned: () => group.assigned,
    bounded,
    limits: livenessLimits(options, sessionTimeoutMs),
    reportFatal: status.reportFatal,
  });

  const stopJoinNotice = noticeSlowJoin(log, status, groupId, sessionTimeoutMs);
  await runConsumer(consumer, options, {
    store,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    rewinds,
    liveness,
    metrics,
    deadLetter: createDeadLetterSink({ log, topic, groupId, deadLetters: options.deadLetters }),
    afterAggregates: options.afterAggregates,
    tracer: options.tracer,
    onProgress: options.onProgress,
  }).finally(stopJoinNotice);
  log.info({ collections, partitions: group.assigned }, 'projector started');

  const stopWatching = watchInstance({
    log,
    status,
    liveness,
    rewinds,
    assigned: () => group.assigned,
    groupLag: () => bounded('reading the group lag', lag),
    checkMs: options.positionCheckMs ?? DEFAULT_POSITION_CHECK_MS,
  });

  let stopping: Promise<void> | undefined;
  return {
    groupId,
    lag,
    readiness: status.readiness,
    // Every caller waits for the same stop: a second signal must not let the process exit before
    // the consumer has left its group (a member that never left holds the next join of the
    // group for its whole session timeout).
    stop: () =>
      (stopping ??= (async () => {
        status.stopping();
        stopWatching();
        await consumer.disconnect();
        await admin.disconnect();
        log.info('projector stopped');
      })()),
  };
}

const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
const DEFAULT_CHUNK_SIZE = 500;
const DEFAULT_POSITION_CHECK_MS = 15_000;
/** See connectConsumer: an idle instance then fetches twice a second. */
const FETCH_MAX_WAIT_MS = 500;

/** A join that takes longer than this is most likely held by a member that did not leave. */
const SLOW_JOIN_MS = 3_000;

/** The read models' store, once their indexes exist. */
async function openProjectionStore(
  db: Db,
  collections: ReadModelNames,
  source: ProjectionSource,
  operationTimeoutMs: number,
): Promise<ProjectionStore> {
  await ensureReadModelIndexes(db, collections, operationTimeoutMs);
  return createMongoProjectionStore(db, collections, source, { operationTimeoutMs });
}

function livenessLimits(options: ProjectorOptions, sessionTimeoutMs: number): LivenessLimits {
  return {
    outOfGroupLimitMs: options.outOfGroupLimitMs ?? 3 * sessionTimeoutMs,
    stallLimitMs: options.stallLimitMs ?? 180_000,
    failingLimitMs: options.failingLimitMs ?? 45_000,
  };
}

/** The instance's readiness, and whether it has failed for good or is stopping. */
interface ProjectorStatus {
  readiness: () => Readiness;
  set: (next: Readiness) => void;
  /** Once, unless stopping: the instance cannot consume any more (ProjectorOptions.onFatal). */
  reportFatal: (error: Error) => void;
  stopping: () => void;
  /** Ready, failed or stopping: no longer catching up. */
  settled: () => boolean;
}

function createProjectorStatus(
  log: Logger,
  options: Pick<ProjectorOptions, 'onReadiness' | 'onFatal'>,
): ProjectorStatus {
  let readiness: Readiness = notReady('creating the read-model indexes');
  let fatal = false;
  let stopped = false;
  const set = (next: Readiness) => {
    readiness = next;
    options.onReadiness?.(next);
  };
  set(readiness);
  return {
    readiness: () => readiness,
    set,
    reportFatal(error) {
      if (fatal || stopped) return;
      fatal = true;
      log.error({ err: error }, 'projector cannot consume any more');
      set(notReady(`cannot consume any more (${error.message})`));
      options.onFatal?.(error);
    },
    stopping() {
      stopped = true;
      set(notReady('stopping'));
    },
    settled: () => readiness.ready || fatal || stopped,
  };
}

async function connectConsumer(
  kafka: Kafka,
  {
    groupId,
    topic,
    sessionTimeoutMs,
  }: { groupId: string; topic: string; sessionTimeoutMs: number },
  status: ProjectorStatus,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    allowAutoTopicCreation: false,
    // How long an idle fetch waits on the broker. New events end it at once whatever the value,
    // but a stop or a rejoin waits for the fetch in flight: kafkajs's 5 s held every stop and
    // every rebalance that long.
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
  });
  status.set(notReady('connecting to Kafka'));
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) status.reportFatal(event.payload.error);
  });
  await consumer.connect();
  // A group without committed offsets starts at the log start; where a partition resumes is
  // then checked against the read model's own position (process-batch.ts), which wins when it
  // is behind.
  await consumer.subscribe({ topic, fromBeginning: true });
  return consumer;
}

/** Consumes until stopped, in chunks (chunks.ts); resolves once the consumer has started. */
function runConsumer(
  consumer: Consumer,
  options: Pick<ProjectorOptions, 'partitionsConcurrently'>,
  chunks: ChunkDeps,
): Promise<void> {
  return consumer.run({
    partitionsConsumedConcurrently:
      options.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
    // Offsets are resolved by hand, only once a chunk's writes are durable; the threshold of 1
    // makes commitOffsetsIfNecessary commit whatever has been resolved.
    eachBatchAutoResolve: false,
    autoCommitThreshold: 1,
    eachBatch: chunkedBatchHandler(chunks),
  });
}

/** The partitions and member id of the instance's latest join of its group. */
function followGroupMembership(
  consumer: Consumer,
  topic: string,
  rewinds: Pick<PartitionRewinds, 'clear'>,
  store: Pick<ProjectionStore, 'forgetKnownDocuments'>,
): { readonly assigned: readonly number[]; readonly memberId: string | undefined } {
  const group = { assigned: [] as readonly number[], memberId: undefined as string | undefined };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    group.assigned = event.payload.memberAssignment[topic] ?? [];
    group.memberId = event.payload.memberId;
    rewinds.clear();
    // Another instance may have projected these partitions since this one last did.
    for (const partition of group.assigned) store.forgetKnownDocuments(partition);
  });
  return group;
}

/**
 * Until kafkajs has joined the group nothing else tells a person why nothing happens; a member
 * of an earlier process that did not leave holds the join for its session timeout. Returns the
 * stop, for when the join is done.
 */
function noticeSlowJoin(
  log: Logger,
  status: Pick<ProjectorStatus, 'set'>,
  groupId: string,
  sessionTimeoutMs: number,
): () => void {
  log.info({ sessionTimeoutMs }, 'joining the consumer group');
  status.set(notReady(`joining consumer group ${groupId}`));
  const slowJoin = setTimeout(() => {
    const why = `slow: perhaps a member of an earlier run that did not leave, dropped when its ${sessionTimeoutMs / 1000} s session expires`;
    log.info({ sessionTimeoutMs }, `still joining the consumer group (${why})`);
    status.set(notReady(`joining consumer group ${groupId} (${why})`));
  }, SLOW_JOIN_MS);
  slowJoin.unref();
  return () => clearTimeout(slowJoin);
}

/**
 * The instance's periodic checks (liveness, idle partitions' positions) and, until it is ready,
 * its catch-up. Returns the stop of them all.
 */
function watchInstance(w: {
  log: Logger;
  status: ProjectorStatus;
  liveness: Pick<Liveness, 'checkProgress' | 'checkMembership'>;
  rewinds: Pick<PartitionRewinds, 'checkIdle'>;
  assigned: () => readonly number[];
  groupLag: () => Promise<PartitionLag[]>;
  checkMs: number;
}): () => void {
  const stopChecks = repeatChecks(w.log, w.checkMs, {
    'checking progress': w.liveness.checkProgress,
    'checking group membership': w.liveness.checkMembership,
    // Committed offsets first: a position read afterwards can only be lower through a loss.
    'checking read-model positions': async () =>
      w.rewinds.checkIdle(w.assigned, await w.groupLag()),
  });
  const stopCatchUp = watchCatchUp({
    log: w.log,
    lag: w.groupLag,
    assigned: w.assigned,
    isReady: w.status.settled,
    onChange: w.status.set,
  });
  return () => {
    stopCatchUp();
    stopChecks();
  };
}

/**
 * Each check on its own timer, apart from the chunks and from the other checks, every call it
 * makes bounded: the rule that reports a hung database must not wait on that database (a stall
 * rule sharing its turn with a position read that never returns would never fire while a write
 * hangs). Returns the stop of them all.
 */
function repeatChecks(
  log: Logger,
  everyMs: number,
  checks: Record<string, () => Promise<void>>,
): () => void {
  const stops = Object.entries(checks).map(([what, check]) =>
    repeatWithoutOverlap(everyMs, () =>
      check().catch((error: unknown) => log.warn({ err: error }, `${what} failed`)),
    ),
  );
  return () => {
    for (const stop of stops) stop();
  };
}
