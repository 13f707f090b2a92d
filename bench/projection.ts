import type { Admin, Kafka } from 'kafkajs';
import { type Db, MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { toEventMessage } from '../contracts/event-envelope';
import type { OrderEvent } from '../contracts/event-envelope';
import { deadLetterTopic } from '../contracts/topics';
import { env, loadConfig } from '../lib/config';
import { createKafka, createKafkaPublisher, type MessagePublisher } from '../lib/kafka';
import { createLogger, type Logger } from '../lib/logger';
import { generationReadModels } from '../projections/store/pointers';
import { startProjector, type Projector } from '../projections/runtime/projector';
import { sagaEvents, sampleSagas } from '../testing/sample-streams';
import {
  runBareBulkWrite,
  runBareConsumer,
  type BareConsumerFigure,
  type BaselineFigure,
} from './bare/projector';
import { phaseTimer, type Phases } from './phases';
import { withTimeout } from './pool';

// `npm run bench:projection [-- --quick] [-- --json]`: events/s folded into MongoDB by the
// projector from a topic holding a backlog (produced at once after the group has formed),
// against baselines measured in the same run on the same servers and the same topic
// (bench/bare/projector.ts): a bare kafkajs consumer in a group of its own that writes one bulk
// upsert of the order documents per batch and commits (the least a projector must do; the
// ratio's baseline), and the former baseline, a bare driver bulk write that consumes nothing.

const configSchema = z.object({
  LOG_LEVEL: env.logLevel,
  KAFKA_BROKERS: env.kafkaBrokers,
  MONGO_URL: env.mongoUrl,
});

export interface Result {
  events: number;
  orders: number;
  partitions: number;
  projector: { seconds: number; eventsPerSecond: number; steadyEventsPerSecond: number };
  /** The ratio's baseline: the bare kafkajs consumer of the same topic. */
  baseline: BareConsumerFigure;
  /** The row's baseline before the bare consumer, kept so earlier ratios stay comparable. */
  bulkWrite: BaselineFigure;
  /** projector ÷ bare consumer. */
  ratio: number;
  /** projector ÷ bare bulk write: the row's ratio before the bare consumer. */
  ratioVsBulkWrite: number;
  /** Per projector instance (same consumer group): partitions it projected, events applied. */
  instances: { partitions: number[]; applied: number }[];
  /** Orders whose document's version differs from its saga's event count (0: none twice). */
  versionMismatches: number;
  /** Part of projector.seconds spent producing the events (the fold runs meanwhile). */
  fillSeconds: number;
  /** Wall time per phase of the run (bench/phases.ts). */
  phaseSeconds: string;
}

export interface RunOptions {
  quick: boolean;
  json: boolean;
  /** Orders whose sample sagas fill the topic; default 400 with quick, else 4 000. */
  orders?: number;
  /** Projector instances sharing the group (bench/main.ts runs 1 and 2). Default 1. */
  instances?: number;
  /** Servers from the caller (bench/main.ts); default: KAFKA_BROKERS and MONGO_URL. */
  servers?: { kafkaBrokers: string[]; mongoUrl: string };
  /** Progress display of the caller; default: a line on stderr unless --json. */
  onProgress?: (text: string) => void;
}

type ProgressLine = (text: string) => void;

const PARTITIONS = 3;
/** Read models of the projector under test; the baselines write collections of their own. */
const PROJECTED = generationReadModels('bench');

/** The clients and the names (fresh per run: topic, database, consumer groups) of one run. */
interface BenchRun {
  kafka: Kafka;
  admin: Admin;
  mongo: MongoClient;
  db: Db;
  logger: Logger;
  publisher: MessagePublisher;
  topic: string;
  projectorGroup: string;
  bareConsumerGroup: string;
}

async function openBenchRun(options: RunOptions): Promise<BenchRun> {
  const config = options.servers
    ? { KAFKA_BROKERS: options.servers.kafkaBrokers, MONGO_URL: options.servers.mongoUrl }
    : loadConfig(configSchema);
  const logger = createLogger('bench', 'warn');
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: 'bench-projection',
    logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  const mongo = await MongoClient.connect(config.MONGO_URL);
  const stamp = Date.now();
  return {
    kafka,
    admin,
    mongo,
    db: mongo.db(`bench_projection_${stamp}`),
    logger,
    publisher: createKafkaPublisher(kafka, logger),
    topic: `bench.order.events.${stamp}`,
    projectorGroup: `bench-${stamp}`,
    bareConsumerGroup: `bench-bare-${stamp}`,
  };
}

async function createBenchTopics(bench: BenchRun): Promise<void> {
  await bench.admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: bench.topic, numPartitions: PARTITIONS },
      { topic: deadLetterTopic(bench.topic), numPartitions: 1 },
    ],
  });
}

/** Idempotent: after a failure the projectors are stopped here too. */
async function closeBenchRun(bench: BenchRun, projectors: readonly Projector[]): Promise<void> {
  // Bounded: a projector stuck in a batch never finishes disconnecting, and the run must go on.
  await Promise.all(
    projectors.map((p) => withTimeout(p.stop(), 10_000, 'projector stop').catch(() => undefined)),
  );
  await bench.publisher.close();
  await bench.db.dropDatabase().catch(() => undefined);
  await bench.admin
    .deleteTopics({ topics: [bench.topic, deadLetterTopic(bench.topic)] })
    .catch(() => undefined);
  await bench.admin.disconnect();
  await bench.mongo.close();
}

/** Every event of `orders` sample sagas (about 7 each), order by order. */
function backlogOf(orders: number): OrderEvent[] {
  return sampleSagas({ count: orders, customers: Math.max(1, Math.floor(orders / 4)), skus: 50 })
    .map(sagaEvents)
    .flat();
}

/** Until the group is Stable with `members` members (each then holds its partitions). */
async function waitForStableGroup(admin: Admin, groupId: string, members: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups.find((g) => g.groupId === groupId);
    if (group?.state === 'Stable' && group.members.length === members) return;
    if (Date.now() > deadline)
      throw new Error(
        `group ${groupId}: ${group?.state ?? 'absent'} with ${group?.members.length ?? 0}/${members} members after 60 s`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The projector instances of one group and what they have applied so far. */
interface ProjectorGroup {
  projectors: Projector[];
  shares: { partitions: Set<number>; applied: number }[];
  applied: number;
  /** When the first chunk was committed, and the events applied after it (the steady rate). */
  firstChunkAt?: number;
  appliedAfterFirst: number;
}

/** Starts `instances` projectors in one group and waits until the group has formed. */
async function startProjectorGroup(bench: BenchRun, instances: number): Promise<ProjectorGroup> {
  const group: ProjectorGroup = {
    projectors: [],
    shares: Array.from({ length: instances }, () => ({ partitions: new Set(), applied: 0 })),
    applied: 0,
    appliedAfterFirst: 0,
  };
  group.projectors = await Promise.all(
    group.shares.map((share) =>
      startProjector({
        kafka: bench.kafka,
        db: bench.db,
        logger: bench.logger,
        registry: new Registry(),
        readModels: { ...PROJECTED, groupId: bench.projectorGroup },
        topic: bench.topic,
        deadLetters: { mode: 'count-only' },
        onProgress: ({ partition, counts }) => {
          group.applied += counts.applied;
          share.partitions.add(partition);
          share.applied += counts.applied;
          if (group.firstChunkAt === undefined) group.firstChunkAt = performance.now();
          else group.appliedAfterFirst += counts.applied;
        },
      }),
    ),
  );
  await waitForStableGroup(bench.admin, bench.projectorGroup, instances);
  return group;
}

const sharesText = (group: ProjectorGroup) =>
  group.shares.map((s) => [...s.partitions].join('+') || '-').join('/');

/** Bounded: ~5x the slowest fold seen here (FerretDB 1 on SQLite under load, ~10 ms per event). */
const foldLimitMs = (events: number) => Math.max(15_000, events * 50);

/** Until the group's committed offsets reach the end offsets (polled every 100 ms). */
async function waitUntilCaughtUp(
  group: ProjectorGroup,
  events: number,
  started: number,
  progress: ProgressLine,
): Promise<void> {
  const limitMs = foldLimitMs(events);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (performance.now() - started > limitMs)
      throw new Error(
        `projection x${group.shares.length}: ${group.applied}/${events} events applied after ${limitMs} ms (partitions by instance: ${sharesText(group)})`,
      );
    const lag = await group.projectors[0].lag();
    const rate = group.applied / ((performance.now() - started) / 1000);
    progress(`projector: ${group.applied}/${events} events, ${rate.toFixed(0)} events/s`);
    if (lag.length === PARTITIONS && lag.every((p) => p.lag === 0)) return;
  }
}

interface FoldTiming {
  /** From the first event produced until the group's lag is 0. */
  seconds: number;
  /** From the first committed chunk until then. */
  steadySeconds: number;
  fillSeconds: number;
}

/**
 * The whole backlog produced at once into the topic the group already consumes, and folded
 * until the group's lag is 0: joining and the rebalance a second instance causes (3-7 s here)
 * are not folding, and would otherwise dominate a small run. The fill takes a few per cent of
 * the fold.
 */
async function fillAndFold(
  bench: BenchRun,
  group: ProjectorGroup,
  events: readonly OrderEvent[],
  progress: ProgressLine,
): Promise<FoldTiming> {
  const started = performance.now();
  for (let i = 0; i < events.length; i += 1_000)
    await bench.publisher.publish(bench.topic, events.slice(i, i + 1_000).map(toEventMessage));
  const fillSeconds = (performance.now() - started) / 1000;
  await waitUntilCaughtUp(group, events.length, started, progress);
  const now = performance.now();
  return {
    seconds: (now - started) / 1000,
    steadySeconds: (now - (group.firstChunkAt ?? started)) / 1000,
    fillSeconds,
  };
}

/** Orders whose document's version is not its saga's event count, or that are missing. */
async function countVersionMismatches(
  db: Db,
  collection: string,
  events: readonly OrderEvent[],
): Promise<number> {
  const expected = new Map<string, number>();
  for (const e of events)
    expected.set(e.orderId, Math.max(expected.get(e.orderId) ?? 0, e.sequence));
  const stored = await db
    .collection<{ _id: string; version: number }>(collection)
    .find({}, { projection: { version: 1 } })
    .toArray();
  return (
    stored.filter((d) => expected.get(d._id) !== d.version).length +
    Math.max(0, expected.size - stored.length)
  );
}

/**
 * Both baselines, after the projector: the bulk write while the projectors disconnect (idle,
 * lag 0), the bare consumer once they are gone, so that nothing else of the row runs beside it.
 */
async function measureBaselines(
  bench: BenchRun,
  events: readonly OrderEvent[],
  projectorsStopping: Promise<unknown>,
  phases: Phases,
  progress: ProgressLine,
): Promise<{ bulkWrite: BaselineFigure; bareConsumer: BareConsumerFigure }> {
  const bulkWrite = await runBareBulkWrite(bench.db, 'bulk_write_orders', events, progress);
  phases.mark('bulk_write');
  await projectorsStopping;
  phases.mark('projector_stop');
  const bareConsumer = await runBareConsumer({
    kafka: bench.kafka,
    admin: bench.admin,
    db: bench.db,
    topic: bench.topic,
    groupId: bench.bareConsumerGroup,
    collection: 'bare_consumer_orders',
    events: events.length,
    limitMs: foldLimitMs(events.length),
    onJoined: () => phases.mark('bare_consumer_join'),
    onProgress: progress,
  });
  phases.mark('bare_consumer');
  // A baseline that skipped work would flatter nothing but itself: its documents are checked.
  const wrong = await countVersionMismatches(bench.db, 'bare_consumer_orders', events);
  if (wrong > 0) throw new Error(`bare consumer: ${wrong} orders differ from their saga`);
  phases.mark('bare_consumer_check');
  return { bulkWrite, bareConsumer };
}

function resultOf(r: {
  events: number;
  orders: number;
  fold: FoldTiming;
  group: ProjectorGroup;
  versionMismatches: number;
  baselines: { bulkWrite: BaselineFigure; bareConsumer: BareConsumerFigure };
}): Result {
  const projectorRate = r.events / r.fold.seconds;
  return {
    events: r.events,
    orders: r.orders,
    partitions: PARTITIONS,
    projector: {
      seconds: r.fold.seconds,
      eventsPerSecond: projectorRate,
      steadyEventsPerSecond: r.group.appliedAfterFirst / r.fold.steadySeconds,
    },
    baseline: r.baselines.bareConsumer,
    bulkWrite: r.baselines.bulkWrite,
    ratio: projectorRate / r.baselines.bareConsumer.eventsPerSecond,
    ratioVsBulkWrite: projectorRate / r.baselines.bulkWrite.eventsPerSecond,
    fillSeconds: r.fold.fillSeconds,
    instances: r.group.shares.map((s) => ({
      partitions: [...s.partitions].sort(),
      applied: s.applied,
    })),
    versionMismatches: r.versionMismatches,
    phaseSeconds: '',
  };
}

function progressLine(options: RunOptions): ProgressLine {
  return (
    options.onProgress ??
    ((text) => {
      if (!options.json) process.stderr.write(`\r${text}`.padEnd(80));
    })
  );
}

export async function run(options: RunOptions): Promise<Result> {
  const phases = phaseTimer();
  const progress = progressLine(options);
  const bench = await openBenchRun(options);
  const orders = options.orders ?? (options.quick ? 400 : 4_000);
  let group: ProjectorGroup | undefined;
  let result: Result;
  try {
    await createBenchTopics(bench);
    phases.mark('setup');
    const events = backlogOf(orders);
    group = await startProjectorGroup(bench, options.instances ?? 1);
    phases.mark('group_join');
    const fold = await fillAndFold(bench, group, events, progress);
    phases.mark('fill_and_fold');
    // Idle now (lag 0). Each disconnect waits out its consumer's fetch in flight (up to 5 s):
    // that overlaps the check and the bulk write, and is awaited before the bare consumer.
    const stopping = Promise.all(group.projectors.map((p) => p.stop()));
    // Nothing applied twice: each order's version is its saga's event count.
    const versionMismatches = await countVersionMismatches(
      bench.db,
      PROJECTED.collections.orders,
      events,
    );
    phases.mark('check');
    const baselines = await measureBaselines(bench, events, stopping, phases, progress);
    progress('');
    if (!options.json) process.stderr.write('\r');
    result = resultOf({ events: events.length, orders, fold, group, versionMismatches, baselines });
  } finally {
    await closeBenchRun(bench, group?.projectors ?? []);
  }
  phases.mark('teardown');
  return { ...result, phaseSeconds: phases.summary() };
}

function printTable(r: Result, quick: boolean): void {
  const n = (x: number) => x.toFixed(0).padStart(10);
  const s = (x: number) => x.toFixed(2).padStart(8);
  console.log(
    `\n${r.events} events of ${r.orders} orders on ${r.partitions} partitions${quick ? ' (quick)' : ''}`,
  );
  console.log('what                                   seconds   events/s');
  console.log(
    `projector (fill + fold + commit)      ${s(r.projector.seconds)} ${n(r.projector.eventsPerSecond)}`,
  );
  console.log(
    `projector after first chunk                   ${n(r.projector.steadyEventsPerSecond)}`,
  );
  console.log(
    `baseline: bare consumer, bulk/batch   ${s(r.baseline.seconds)} ${n(r.baseline.eventsPerSecond)}`,
  );
  console.log(
    `former: bare bulk upsert per event    ${s(r.bulkWrite.seconds)} ${n(r.bulkWrite.eventsPerSecond)}`,
  );
  console.log(
    `ratio projector / bare consumer: ${r.ratio.toFixed(2)} (/ bulk write: ${r.ratioVsBulkWrite.toFixed(2)})`,
  );
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const options = { quick: args.has('--quick'), json: args.has('--json') };
  const r = await run(options);
  if (options.json) console.log(JSON.stringify(r, null, 2));
  else printTable(r, options.quick);
}

// Also a module: bench/main.ts calls run() on its own servers.
if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
