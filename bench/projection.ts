import type { Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { toEventMessage } from '../contracts/event-envelope';
import type { OrderEvent } from '../contracts/event-envelope';
import { deadLetterTopic } from '../contracts/topics';
import { env, loadConfig } from '../lib/config';
import { createKafka, createKafkaPublisher } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { evolveOrder } from '../projections/fold/order-view';
import { generationReadModels } from '../projections/store/pointers';
import { startProjector, type Projector } from '../projections/runtime/projector';
import { sagaEvents, sampleSagas } from '../testing/sample-streams';
import { phaseTimer } from './phases';
import { withTimeout } from './pool';

// `npm run bench:projection [-- --quick] [-- --json]`: events/s folded into MongoDB by the
// projector from a topic holding a backlog (produced at once after the group has formed),
// against a baseline measured in the same run on the same
// servers: a bare driver bulk upsert of one equivalent order document per event (what the
// projector must at least do), one bulk write per chunk of the projector's default size.

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
  baseline: { seconds: number; eventsPerSecond: number };
  ratio: number;
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

let progressSink: ((text: string) => void) | undefined;
const progress = (json: boolean, text: string) => {
  if (progressSink) progressSink(text);
  else if (!json) process.stderr.write(`\r${text}`.padEnd(80));
};

export async function run(options: RunOptions): Promise<Result> {
  const phases = phaseTimer();
  progressSink = options.onProgress;
  const config = options.servers
    ? {
        LOG_LEVEL: 'warn' as const,
        KAFKA_BROKERS: options.servers.kafkaBrokers,
        MONGO_URL: options.servers.mongoUrl,
      }
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
  const topic = `bench.order.events.${stamp}`;
  const db = mongo.db(`bench_projection_${stamp}`);
  const partitions = 3;
  const orders = options.orders ?? (options.quick ? 400 : 4_000);
  const publisher = createKafkaPublisher(kafka, logger);
  let result: Result;
  let projectors: Projector[] = [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions },
        { topic: deadLetterTopic(topic), numPartitions: 1 },
      ],
    });
    phases.mark('setup');
    const events: OrderEvent[] = sampleSagas({
      count: orders,
      customers: Math.max(1, Math.floor(orders / 4)),
      skus: 50,
    })
      .map(sagaEvents)
      .flat();

    // The group forms first, on the empty topic, and the whole backlog is produced at once
    // after: joining and the rebalance a second instance causes (3-7 s here) are not folding,
    // and would otherwise dominate a small run. The fill takes a few per cent of the fold.
    let firstChunkAt: number | undefined;
    let afterFirst = 0;
    let applied = 0;
    const shares = Array.from({ length: options.instances ?? 1 }, () => ({
      partitions: new Set<number>(),
      applied: 0,
    }));
    const groupId = `bench-${stamp}`;
    projectors = await Promise.all(
      shares.map((share) =>
        startProjector({
          kafka,
          db,
          logger,
          registry: new Registry(),
          readModels: { ...generationReadModels('bench'), groupId },
          topic,
          deadLetters: { mode: 'count-only' },
          onProgress: ({ partition, counts }) => {
            applied += counts.applied;
            share.partitions.add(partition);
            share.applied += counts.applied;
            if (firstChunkAt === undefined) firstChunkAt = performance.now();
            else afterFirst += counts.applied;
          },
        }),
      ),
    );
    await waitForStableGroup(admin, groupId, shares.length);
    phases.mark('group_join');

    // Projector: from the first event produced until the group's committed offsets reach the
    // end offsets.
    const started = performance.now();
    for (let i = 0; i < events.length; i += 1_000)
      await publisher.publish(topic, events.slice(i, i + 1_000).map(toEventMessage));
    const filledSeconds = (performance.now() - started) / 1000;
    const projector = projectors[0];
    // Bounded: ~5x the slowest fold seen here (FerretDB 1 on SQLite under load, ~10 ms per
    // event); a row that does not finish then fails instead of the run hanging.
    const limitMs = Math.max(15_000, events.length * 50);
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (performance.now() - started > limitMs)
        throw new Error(
          `projection x${shares.length}: ${applied}/${events.length} events applied after ${limitMs} ms (partitions by instance: ${shares.map((s) => [...s.partitions].join('+') || '-').join('/')})`,
        );
      const lag = await projector.lag();
      const rate = applied / ((performance.now() - started) / 1000);
      progress(
        options.json,
        `projector: ${applied}/${events.length} events, ${rate.toFixed(0)} events/s`,
      );
      if (lag.length === partitions && lag.every((p) => p.lag === 0)) break;
    }
    const projectorSeconds = (performance.now() - started) / 1000;
    const steadySeconds = (performance.now() - (firstChunkAt ?? started)) / 1000;
    phases.mark('fill_and_fold');
    // Idle now (lag 0). Each disconnect waits out its consumer's fetch in flight (up to 5 s):
    // that overlaps the check and the baseline, and is awaited before the teardown.
    const stopping = Promise.all(projectors.map((p) => p.stop()));

    // Nothing applied twice: each order's version is its saga's event count.
    const expected = new Map<string, number>();
    for (const e of events)
      expected.set(e.orderId, Math.max(expected.get(e.orderId) ?? 0, e.sequence));
    const projected = await db
      .collection<{ _id: string; version: number }>(
        generationReadModels('bench').collections.orders,
      )
      .find({}, { projection: { version: 1 } })
      .toArray();
    const versionMismatches =
      projected.filter((d) => expected.get(d._id) !== d.version).length +
      Math.max(0, expected.size - projected.length);
    phases.mark('check');

    // Baseline: one replace-upsert of the order's document per event, nothing else.
    const docs = new Map<string, ReturnType<typeof evolveOrder>>();
    const writes = events.map((event) => {
      const doc = evolveOrder(docs.get(event.orderId) ?? null, event);
      docs.set(event.orderId, doc);
      return { replaceOne: { filter: { _id: doc.orderId }, replacement: doc, upsert: true } };
    });
    const baseline = db.collection<{ _id: string }>('baseline_orders');
    const baseStart = performance.now();
    // The projector writes a chunk's orders in one bulk write; 500 is its default chunk.
    const chunk = 500;
    for (let i = 0; i < writes.length; i += chunk) {
      await baseline.bulkWrite(writes.slice(i, i + chunk), { ordered: false });
      progress(options.json, `baseline: ${i}/${writes.length} upserts`);
    }
    const baselineSeconds = (performance.now() - baseStart) / 1000;
    phases.mark('baseline');
    await stopping;
    phases.mark('projector_stop');
    progress(options.json, '');
    if (!options.json) process.stderr.write('\r');

    const projectorRate = events.length / projectorSeconds;
    const baselineRate = events.length / baselineSeconds;
    result = {
      events: events.length,
      orders,
      partitions,
      projector: {
        seconds: projectorSeconds,
        eventsPerSecond: projectorRate,
        steadyEventsPerSecond: afterFirst / steadySeconds,
      },
      baseline: { seconds: baselineSeconds, eventsPerSecond: baselineRate },
      ratio: projectorRate / baselineRate,
      fillSeconds: filledSeconds,
      instances: shares.map((s) => ({ partitions: [...s.partitions].sort(), applied: s.applied })),
      versionMismatches,
      phaseSeconds: '',
    };
  } finally {
    // Idempotent: after a failure the projectors are stopped here. Bounded: a projector stuck
    // in a batch never finishes disconnecting, and the run must go on.
    await Promise.all(
      projectors.map((p) => withTimeout(p.stop(), 10_000, 'projector stop').catch(() => undefined)),
    );
    await publisher.close();
    await db.dropDatabase().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] }).catch(() => undefined);
    await admin.disconnect();
    await mongo.close();
  }
  phases.mark('teardown');
  return { ...result, phaseSeconds: phases.summary() };
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const options = { quick: args.has('--quick'), json: args.has('--json') };
  const r = await run(options);
  if (options.json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const n = (x: number) => x.toFixed(0).padStart(10);
  console.log(
    `\n${r.events} events of ${r.orders} orders on ${r.partitions} partitions${options.quick ? ' (quick)' : ''}`,
  );
  console.log('what                                   seconds   events/s');
  console.log(
    `projector (join + fold + commit)      ${r.projector.seconds.toFixed(2).padStart(8)} ${n(r.projector.eventsPerSecond)}`,
  );
  console.log(
    `projector after first chunk                   ${n(r.projector.steadyEventsPerSecond)}`,
  );
  console.log(
    `baseline: bare bulk upsert per event  ${r.baseline.seconds.toFixed(2).padStart(8)} ${n(r.baseline.eventsPerSecond)}`,
  );
  console.log(`ratio projector / baseline: ${r.ratio.toFixed(2)}`);
}

// Also a module: bench/main.ts calls run() on its own servers.
if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
