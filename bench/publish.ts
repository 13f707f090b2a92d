import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { createEventActivities } from '../activities/events/event-activities';
import { envelopeFromDraft, toEventMessage } from '../contracts/event-envelope';
import type { OrderEventDraft } from '../contracts/events';
import { createKafka, createKafkaPublisher, type MessagePublisher } from '../lib/kafka';
import { createLogger, type Logger } from '../lib/logger';
import { sagaDrafts, sampleSagas } from '../testing/sample-streams';
import { phaseTimer, type Phases } from './phases';
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

/** The two topics (3 partitions each) the project's publisher and the bare producer write. */
async function createPublishTopics(admin: Admin, stamp: number) {
  const topics = { project: `bench.publish.project.${stamp}`, bare: `bench.publish.bare.${stamp}` };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
  });
  return topics;
}

/** The two senders of the very same events: the project's activity and a bare producer. */
interface Senders {
  /** As the orders worker runs them: it publishes every event of a saga (local activities). */
  activities: ReturnType<typeof createEventActivities>;
  publisher: MessagePublisher;
  /** Bare: kafkajs's defaults, acks=-1 (kafkajs's default too), pre-built messages. */
  producer: Producer;
  messages: Map<OrderEventDraft, Message>;
}

async function createSenders(
  kafka: Kafka,
  logger: Logger,
  topic: string,
  drafts: readonly OrderEventDraft[],
): Promise<Senders> {
  const publisher = createKafkaPublisher(kafka, logger);
  const activities = createEventActivities({ publisher, service: 'orders', logger, topic });
  const producer = kafka.producer();
  await producer.connect();
  const messages = new Map(drafts.map((d) => [d, toEventMessage(envelopeFromDraft(d))]));
  return { activities, publisher, producer, messages };
}

/**
 * Warms both up (connections, metadata), then times the project and the bare producer in
 * turn, and the bare producer's sends of 100 (only to show what batching would buy).
 */
async function measurePublishing(
  opts: PublishOptions,
  senders: Senders,
  topics: { bare: string },
  drafts: readonly OrderEventDraft[],
  phases: Phases,
): Promise<BenchResult> {
  const { activities, producer, messages } = senders;
  const limit = Math.max(60_000, opts.events * 20);
  const timedRun = (what: string, label: string, send: (d: OrderEventDraft) => Promise<void>) =>
    withTimeout(
      timed(drafts, opts.concurrency, send, (n) => opts.progress.update(n, drafts.length, label)),
      limit,
      what,
    );
  await activities.publishOrderEvent(drafts[0]);
  await producer.send({ topic: topics.bare, messages: [messages.get(drafts[0])!] });
  phases.mark('setup');
  const project = await timedRun('publish (project)', 'events via publishOrderEvent', (d) =>
    activities.publishOrderEvent(d),
  );
  phases.mark('project');
  const bare = await timedRun('publish (bare)', 'events via bare producer', async (d) => {
    await producer.send({ topic: topics.bare, acks: -1, messages: [messages.get(d)!] });
  });
  phases.mark('bare');
  const batchedRate = await bareBatchedRate(producer, topics.bare, [...messages.values()]);
  phases.mark('bare_batched');
  return rateResult(
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
}

/**
 * Not the baseline (a different contract: no per-event acknowledgement), only to show what
 * batching would buy: the same messages in sends of 100.
 */
async function bareBatchedRate(producer: Producer, topic: string, list: Message[]) {
  const started = performance.now();
  for (let i = 0; i < list.length; i += 100)
    await producer.send({ topic, acks: -1, messages: list.slice(i, i + 100) });
  return list.length / ((performance.now() - started) / 1000);
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
  const topics = await createPublishTopics(admin, stamp);
  const drafts = sampleSagas({ count: Math.ceil(opts.events / 7), prefix: `pub-${stamp}` })
    .flatMap(sagaDrafts)
    .slice(0, opts.events);
  const senders = await createSenders(kafka, logger, topics.project, drafts);
  let result: BenchResult;
  try {
    result = await measurePublishing(opts, senders, topics, drafts, phases);
  } finally {
    await senders.producer.disconnect();
    await senders.publisher.close();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
  phases.mark('teardown');
  result.details.phase_seconds = phases.summary();
  return result;
}
