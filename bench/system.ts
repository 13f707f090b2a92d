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
import { DEFAULT_READ_MODELS } from '../projections/pointers';
import { startProjector, type Projector } from '../projections/projector';
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
import type { BenchServers } from './servers';

// The whole system in this process, wired as test/e2e/system.ts wires it (the same start
// functions, each run isolated in its own namespace, topic, consumer group and databases), but
// with N order workers and N projectors and counters of what each instance did. Kept beside the
// test's wiring rather than shared, so bench changes never disturb the end-to-end suite.

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
  stop(): Promise<void>;
}

export interface BenchSystemOptions {
  servers: BenchServers;
  name: string;
  orderWorkers: number;
  projectors: number;
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

  const orderWorkerTasks = Array.from({ length: options.orderWorkers }, () => 0);
  const workflowBundle = await benchBundle();
  const workers: RunningWorker[] = await Promise.all([
    ...orderWorkerTasks.map((_, i) =>
      startOrdersWorker(workerConfig, {
        logger,
        workflowBundle,
        eventActivities: countingActivities(events('orders'), () => orderWorkerTasks[i]++),
      }),
    ),
    startInventoryWorker(workerConfig, { logger, eventActivities: events('inventory') }),
    startPaymentsWorker(workerConfig, { logger, eventActivities: events('payments') }),
    startShippingWorker(workerConfig, { logger, eventActivities: events('shipping') }),
  ]);

  const observed: ObservedEvent[] = [];
  const commits: CommitMark[] = [];
  const observer = kafka.consumer({ groupId: `bench-observer.${suffix}` });
  await startObserver(observer, topic, observed);

  const projectorShares = Array.from({ length: options.projectors }, () => ({
    partitions: new Set<number>(),
    applied: 0,
  }));
  const projectors: Projector[] = [];
  for (const share of projectorShares) {
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
  }

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
    async stop() {
      await api.close();
      for (const p of projectors) await p.stop();
      await observer.disconnect();
      await Promise.allSettled(workers.map((w) => w.shutdown()));
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
