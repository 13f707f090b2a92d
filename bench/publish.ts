import { createEventActivities } from '../activities/events/event-activities';
import { envelopeFromDraft, toEventMessage } from '../contracts/event-envelope';
import type { OrderEventDraft } from '../contracts/events';
import { createKafka, createKafkaPublisher } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { sagaDrafts, sampleSagas } from '../testing/sample-streams';
import { phaseTimer } from './phases';
import { runPool, withTimeout } from './pool';
import type { Progress } from './progress';
import type { BenchResult } from './report';
import { rateResult } from './report';
import type { BenchServers } from './servers';
import { summarize } from './stats';

// Benchmark 2: events/s through the project's publishing activity (envelope, validation,
// idempotent producer, acks=all) against a bare kafkajs producer sending the very same
// messages, one message per send in both, with the same number of sends in flight (as a
// worker runs that many publish activities at once).

export interface PublishOptions {
  servers: BenchServers;
  events: number;
  concurrency: number;
  progress: Progress;
}

async function timed(
  drafts: readonly OrderEventDraft[],
  concurrency: number,
  send: (d: OrderEventDraft) => Promise<void>,
  onDone: (n: number) => void,
) {
  const latencies: number[] = [];
  const started = performance.now();
  await runPool(drafts.length, concurrency, async (i) => {
    const t = performance.now();
    await send(drafts[i]);
    latencies.push(performance.now() - t);
    if (latencies.length % 100 === 0) onDone(latencies.length);
  });
  return { seconds: (performance.now() - started) / 1000, latency: summarize(latencies) };
}

export async function runPublishBench(opts: PublishOptions): Promise<BenchResult> {
  const phases = phaseTimer();
  const logger = createLogger('bench-publish', process.env.BENCH_LOG_LEVEL ?? 'fatal');
  const kafka = createKafka({
    brokers: opts.servers.kafkaBrokers,
    clientId: 'bench-publish',
    logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  const stamp = Date.now();
  const topics = { project: `bench.publish.project.${stamp}`, bare: `bench.publish.bare.${stamp}` };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
  });
  const drafts = sampleSagas({ count: Math.ceil(opts.events / 7), prefix: `pub-${stamp}` })
    .flatMap(sagaDrafts)
    .slice(0, opts.events);
  const publisher = createKafkaPublisher(kafka, logger);
  // As the orders worker runs them: it publishes every event of a saga (local activities).
  const activities = createEventActivities({
    publisher,
    service: 'orders',
    logger,
    topic: topics.project,
  });
  // Bare: kafkajs's defaults, acks=-1 (kafkajs's default too), pre-built messages.
  const producer = kafka.producer();
  await producer.connect();
  const messages = new Map(drafts.map((d) => [d, toEventMessage(envelopeFromDraft(d))]));
  let result: BenchResult;
  try {
    const limit = Math.max(60_000, opts.events * 20);
    // Warm-up of both (connections, metadata), not measured.
    await activities.publishOrderEvent(drafts[0]);
    await producer.send({ topic: topics.bare, messages: [messages.get(drafts[0])!] });
    phases.mark('setup');
    const project = await withTimeout(
      timed(
        drafts,
        opts.concurrency,
        (d) => activities.publishOrderEvent(d),
        (n) => opts.progress.update(n, drafts.length, 'events via publishOrderEvent'),
      ),
      limit,
      'publish (project)',
    );
    phases.mark('project');
    const bare = await withTimeout(
      timed(
        drafts,
        opts.concurrency,
        async (d) => {
          await producer.send({ topic: topics.bare, acks: -1, messages: [messages.get(d)!] });
        },
        (n) => opts.progress.update(n, drafts.length, 'events via bare producer'),
      ),
      limit,
      'publish (bare)',
    );
    phases.mark('bare');
    // Not the baseline (a different contract: no per-event acknowledgement), only to show
    // what batching would buy: the same messages in sends of 100.
    const list = [...messages.values()];
    const batchStart = performance.now();
    for (let i = 0; i < list.length; i += 100)
      await producer.send({ topic: topics.bare, acks: -1, messages: list.slice(i, i + 100) });
    const batchedRate = list.length / ((performance.now() - batchStart) / 1000);
    phases.mark('bare_batched');

    result = rateResult(
      'publish',
      'events/s',
      { label: 'publishOrderEvent', count: drafts.length, ...project },
      { label: 'bare kafkajs producer', count: drafts.length, ...bare },
      {
        events: drafts.length,
        in_flight: opts.concurrency,
        bare_batched_100_events_per_s: batchedRate,
      },
    );
  } finally {
    await producer.disconnect();
    await publisher.close();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
  phases.mark('teardown');
  result.details.phase_seconds = phases.summary();
  return result;
}
