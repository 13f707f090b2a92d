import { Client, Connection } from '@temporalio/client';
import type { Consumer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { createEventActivities } from '../activities/events/event-activities';
import type { EventActivities } from '../activities/events/api';
import { loadApiConfig } from '../api/config';
import { startApi, type RunningApi } from '../api/main';
import { EVENT_HEADERS } from '../contracts/event-envelope';
import { deadLetterTopic } from '../contracts/topics';
import { createKafka, createKafkaPublisher } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { DEFAULT_READ_MODELS } from '../projections/store/pointers';
import { startProjector, type Projector } from '../projections/runtime/projector';
import {
  createIsolatedResources,
  dropIsolatedDatabases,
  serviceWorkerConfig,
} from '../test/setup/isolated-system';
import { startInventoryWorker } from '../workers/inventory';
import { startOrdersWorker } from '../workers/orders';
import { startPaymentsWorker } from '../workers/payments';
import type { RunningWorker } from '../workers/run-worker';
import { startShippingWorker } from '../workers/shipping';
import { benchBundle } from './bundle';
import type { CommitMark, ObservedEvent } from './lag';
import type { Phases } from './phases';
import { withTimeout } from './pool';
import type { BenchServers } from './servers';

// The whole system in this process, wired as test/e2e/system.ts wires it (the same start
// functions, isolated in its own namespace, topic, consumer group and databases), but with N
// order workers and N projectors and counters of what each instance did. Kept beside the
// test's wiring rather than shared, so bench changes never disturb the e2e suite.

export const PARTITIONS = 3;

export interface BenchSystem {
  apiUrl: string;
  namespace: string;
  topic: string;
  readDb: string;
  temporal: Client;
  mongo: MongoClient;
  jwtSecret: string;
  /** Per order-worker instance: event activities it ran (orders-owned events). */
  orderWorkerTasks: number[];
  /** Per projector instance: partitions it committed chunks of, and events it applied. */
  projectorShares: { partitions: Set<number>; applied: number }[];
  /** For projection lag: events seen on the topic and the projectors' commits. */
  observed: ObservedEvent[];
  commits: CommitMark[];
  /** Zeroes the per-instance counters (orderWorkerTasks, projectorShares). */
  resetCounters(): void;
  stop(): Promise<void>;
}

export interface BenchSystemOptions {
  servers: BenchServers;
  name: string;
  orderWorkers: number;
  projectors: number;
  /** Marks the start-up's phases (namespace, workers, projectors, api). */
  phases?: Phases;
}

function countingActivities(inner: EventActivities, count: () => void): EventActivities {
  return {
    publishOrderEvent: async (draft) => {
      count();
      await inner.publishOrderEvent(draft);
    },
  };
}

/** Records when each event occurred, from its ce_time header, by partition and offset. */
async function startObserver(
  consumer: Consumer,
  topic: string,
  observed: ObservedEvent[],
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const time = message.headers?.[EVENT_HEADERS.time];
      const occurredAt = Date.parse(String(Array.isArray(time) ? time[0] : time));
      if (Number.isFinite(occurredAt))
        observed.push({ partition, offset: Number(message.offset), occurredAt });
      return Promise.resolve();
    },
  });
}

export async function startBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const { servers } = options;
  const mark = (name: string) => options.phases?.mark(name);
  const logger = createLogger(`bench-${options.name}`, process.env.BENCH_LOG_LEVEL ?? 'fatal');
  const connection = await Connection.connect({ address: servers.temporalAddress });
  const resources = await createIsolatedResources(
    connection,
    servers.kafkaBrokers,
    `bench-${options.name}`,
    PARTITIONS,
  );
  const { namespace, suffix, topic, dbs } = resources;
  const jwtSecret = 'bench-jwt-secret-0123456789-0123456789-abcdef';
  mark('namespace_topics');

  const mongo = await MongoClient.connect(servers.mongoUrl);
  const kafka = createKafka({
    brokers: servers.kafkaBrokers,
    clientId: `bench-${options.name}`,
    logger,
  });
  const publisher = createKafkaPublisher(kafka, logger);
  const workerConfig = serviceWorkerConfig(servers, resources);
  const events = (service: 'orders' | 'inventory' | 'payments' | 'shipping') =>
    createEventActivities({ publisher, service, logger, topic });

  const orderWorkerTasks: number[] = [];
  const workflowBundle = await benchBundle();
  mark('bundle');
  const orderWorkers: RunningWorker[] = [];
  const startOrderWorker = async () => {
    const i = orderWorkerTasks.push(0) - 1;
    orderWorkers.push(
      await startOrdersWorker(workerConfig, {
        logger,
        workflowBundle,
        eventActivities: countingActivities(events('orders'), () => orderWorkerTasks[i]++),
      }),
    );
  };
  const [serviceWorkers] = await Promise.all([
    Promise.all([
      startInventoryWorker(workerConfig, { logger, eventActivities: events('inventory') }),
      startPaymentsWorker(workerConfig, { logger, eventActivities: events('payments') }),
      startShippingWorker(workerConfig, { logger, eventActivities: events('shipping') }),
    ]),
    Promise.all(Array.from({ length: options.orderWorkers }, () => startOrderWorker())),
  ]);
  mark('workers');

  const observed: ObservedEvent[] = [];
  const commits: CommitMark[] = [];
  const observer = kafka.consumer({ groupId: `bench-observer.${suffix}` });
  await startObserver(observer, topic, observed);

  const projectorShares: BenchSystem['projectorShares'] = [];
  const projectors: Projector[] = [];
  const startOneProjector = async () => {
    const share = { partitions: new Set<number>(), applied: 0 };
    projectorShares.push(share);
    projectors.push(
      await startProjector({
        kafka,
        db: mongo.db(dbs.read),
        logger,
        registry: new Registry(),
        readModels: { ...DEFAULT_READ_MODELS, groupId: `order-projections.${suffix}` },
        topic,
        deadLetters: { mode: 'publish', publisher },
        onProgress: ({ partition, offset, counts }) => {
          commits.push({ partition, offset: Number(offset), at: Date.now() });
          share.partitions.add(partition);
          share.applied += counts.applied;
        },
      }),
    );
  };
  for (let i = 0; i < options.projectors; i++) await startOneProjector();
  mark('observer_projectors');

  const temporal = new Client({ connection, namespace });
  const api: RunningApi = await startApi(
    loadApiConfig({
      LOG_LEVEL: 'error',
      TEMPORAL_ADDRESS: servers.temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      KAFKA_BROKERS: servers.kafkaBrokers.join(','),
      MONGO_URL: servers.mongoUrl,
      PORT: '0',
      READ_DB: dbs.read,
      INVENTORY_DB: dbs.inventory,
      API_DB: dbs.api,
      JWT_SECRET: jwtSecret,
      PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
      RATE_LIMIT_PER_MINUTE: '10000000',
    }),
    { temporal, mongo, kafka, logger },
  );
  mark('api');

  return {
    apiUrl: api.url,
    namespace,
    topic,
    readDb: dbs.read,
    temporal,
    mongo,
    jwtSecret,
    orderWorkerTasks,
    projectorShares,
    observed,
    commits,
    resetCounters() {
      orderWorkerTasks.fill(0);
      for (const share of projectorShares) {
        share.partitions.clear();
        share.applied = 0;
      }
    },
    async stop() {
      await api.close();
      // Together: each consumer's disconnect waits out its fetch in flight (up to 5 s), and a
      // worker's shutdown its pollers and running tasks.
      await Promise.allSettled([
        // Bounded: a projector stuck in a batch never finishes disconnecting.
        ...projectors.map((p) => withTimeout(p.stop(), 10_000, 'projector stop')),
        observer.disconnect(),
        ...[...serviceWorkers, ...orderWorkers].map((w) => w.shutdown()),
      ]);
      await publisher.close();
      await dropIsolatedDatabases(mongo, { dbs });
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] }).catch(() => undefined);
      await admin.disconnect();
      await mongo.close();
      await connection.close();
    },
  };
}
