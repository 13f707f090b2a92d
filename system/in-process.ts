import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { AggregatorRegistry, Registry } from 'prom-client';
import { z } from 'zod';
import type { EventActivities } from '../activities/events/api';
import { createEventActivities } from '../activities/events/event-activities';
import { loadApiConfig } from '../api/config';
import { startApi } from '../api/main';
import { PROJECTOR_GROUP_ID } from '../contracts/consumer-groups';
import type { Service } from '../contracts/services';
import { type CodecConfig, codecConfigShape, dataConverterFor } from '../lib/codec';
import { withDeadline } from '../lib/deadline';
import { createKafka, createKafkaPublisher, type MessagePublisher } from '../lib/kafka';
import { countMongoCommands } from '../lib/mongo-command-metrics';
import type { Logger } from '../lib/logger';
import type { Tracing } from '../lib/tracing';
import type { Projector } from '../projections/runtime/projector';
import { startProjector } from '../projections/runtime/projector';
import { DEFAULT_READ_MODELS } from '../projections/store/pointers';
import { startInventoryWorker } from '../workers/inventory';
import { startOrdersWorker } from '../workers/orders';
import { startPaymentsWorker } from '../workers/payments';
import { startShippingWorker } from '../workers/shipping';
import { workflowBundle } from '../workers/workflow-bundle';
import type { ProjectorProgress, ProjectorThread } from './projector-thread';
import { startProjectorThread } from './projector-thread';
import type { IsolatedResources, SystemServers } from './isolated-resources';
import {
  createIsolatedResources,
  removeIsolatedResources,
  serviceWorkerConfig,
} from './isolated-resources';

// The whole system in one process: the API, the four workers and the projector, started with
// the same functions as the separate processes of `npm start` (system/processes.ts) on the
// given servers, but isolated in resources of its own (namespace, topic, consumer group,
// databases) so several systems can share servers. The end-to-end tests and the benchmark run
// the system this way.

export interface InProcessSystemOptions {
  servers: SystemServers;
  /** Prefix of the namespace the resources are named after; also the Kafka client id. */
  name: string;
  logger: Logger;
  /** Partitions of the event topic (default 3). */
  partitions?: number;
  /** Order (workflow) workers and projectors to run (default 1 each); they share the load. */
  orderWorkers?: number;
  projectors?: number;
  /** Workflow code of the order workers (default the saga's, workflows/index.ts). */
  workflowsPath?: string;
  /**
   * The order workers' workflow code prebuilt, with interceptor modules of its own (the
   * benchmark's activation counter); instead of `workflowsPath`, and not with `tracing`.
   */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Trace everything with this provider (the workflow code is then bundled traced). */
  tracing?: Tracing;
  /** CODEC_KEYS for the client, the workers and the API's codec server (enabled with it). */
  codecKeys?: string;
  /** The API's cap on a customer's open orders (default: the API's own, 10). */
  maxOpenOrdersPerCustomer?: number;
  /** The API's port (default: a free one) and the Temporal UI origin its codec server allows. */
  apiPort?: number;
  temporalUiUrl?: string;
  /** Wraps the event activities of order worker `instance` (the benchmark counts them). */
  orderWorkerEvents?: (instance: number, events: EventActivities) => EventActivities;
  /**
   * Runs each projector on a thread of its own, with its own clients (system/projector-thread.ts),
   * as each is a process of its own when deployed; not with `tracing` (a tracer stays in its
   * thread). Default: on the calling thread with the rest.
   */
  projectorThreads?: boolean;
  /**
   * How often each projector compares its idle partitions' positions with the committed offsets
   * (default: the projector's own); a count of commands per order sets it out of the way.
   */
  projectorPositionCheckMs?: number;
  /** Called after each chunk projector `instance` commits. */
  onProjectorProgress?: (instance: number, progress: ProjectorProgress) => void;
  /**
   * Where the system counts its MongoDB commands (`mongodb_commands_total`,
   * lib/mongo-command-metrics.ts): the API's and projectors' client and each worker's. Default: a
   * new registry, `InProcessSystem.metrics`.
   */
  metrics?: Registry;
  /** Called as each start-up step completes, in this order. */
  onStarted?: (step: 'resources' | 'bundle' | 'workers' | 'projectors' | 'api') => void;
}

export interface InProcessSystem extends Pick<IsolatedResources, 'namespace' | 'topic' | 'dbs'> {
  apiUrl: string;
  temporal: Client;
  mongo: MongoClient;
  kafka: Kafka;
  /** The calling thread's registry: MongoDB commands of the API, the workers and the projectors on it. */
  metrics: Registry;
  /** `metrics` and each projector thread's registry, summed into a new one (Registry.aggregate). */
  collectMetrics(): Promise<Registry>;
  /** Generated for this system: sign tokens and webhooks with them. */
  jwtSecret: string;
  webhookSecret: string;
  /** Stops everything it started, then removes its databases and topics. */
  stop(): Promise<void>;
}

/** One client drives a system: the API's per-client limit must not throttle it. */
const UNLIMITED_PER_MINUTE = '10000000';

export async function startInProcessSystem(
  options: InProcessSystemOptions,
): Promise<InProcessSystem> {
  const { servers, name, logger, tracing } = options;
  if (options.projectorThreads && tracing)
    throw new Error('projectorThreads cannot be traced: leave one of the two options out');
  const step = (done: Parameters<NonNullable<InProcessSystemOptions['onStarted']>>[0]) =>
    options.onStarted?.(done);
  // Parsed like the processes parse CODEC_KEYS, so bad keys fail here the same way.
  const codec = z.object(codecConfigShape).parse({ CODEC_KEYS: options.codecKeys });
  const connection = await Connection.connect({ address: servers.temporalAddress });
  const resources = await createIsolatedResources(
    connection,
    servers.kafkaBrokers,
    name,
    options.partitions ?? 3,
  );
  const { namespace, suffix, topic, dbs } = resources;
  const jwtSecret = randomBytes(32).toString('hex');
  const webhookSecret = randomBytes(16).toString('hex');
  step('resources');

  const metrics = options.metrics ?? new Registry();
  const mongo = new MongoClient(servers.mongoUrl, { monitorCommands: true });
  countMongoCommands(mongo, metrics);
  await mongo.connect();
  const kafka = createKafka({ brokers: servers.kafkaBrokers, clientId: name, logger, metrics });
  const publisher = createKafkaPublisher(kafka, logger);
  const workers = await startWorkers(options, {
    workerConfig: { ...serviceWorkerConfig(servers, resources), ...codec },
    metrics,
    publisher,
    topic,
    onBundled: () => step('bundle'),
  });
  step('workers');

  const projectors = await startProjectors(options, {
    kafka,
    mongo,
    publisher,
    groupId: `${PROJECTOR_GROUP_ID}.${suffix}`,
    topic,
    readDb: dbs.read,
  });
  step('projectors');

  const temporal = systemClient(connection, namespace, codec, tracing);
  const api = await startApi(apiConfig(options, { namespace, dbs, jwtSecret, webhookSecret }), {
    temporal,
    mongo,
    kafka,
    logger,
    tracing,
  });
  step('api');

  return {
    apiUrl: api.url,
    namespace,
    topic,
    dbs,
    temporal,
    mongo,
    kafka,
    metrics,
    collectMetrics: async () =>
      AggregatorRegistry.aggregate([
        await metrics.getMetricsAsJSON(),
        ...(await Promise.all(projectors.map((p) => p.metrics?.() ?? Promise.resolve([])))),
      ]),
    jwtSecret,
    webhookSecret,
    stop: () =>
      stopSystem({ api, projectors, workers, publisher, mongo, kafka, resources, connection }),
  };
}

/** Stops everything the system started, then removes its databases and topics. */
async function stopSystem(system: {
  api: { close(): Promise<void> };
  projectors: readonly Pick<Projector, 'stop'>[];
  workers: readonly { shutdown(): Promise<void> }[];
  publisher: MessagePublisher;
  mongo: MongoClient;
  kafka: Kafka;
  resources: IsolatedResources;
  connection: Connection;
}): Promise<void> {
  const { mongo, kafka } = system;
  await system.api.close();
  // Together: each projector's disconnect waits out its fetch in flight (up to 5 s), and a
  // worker's shutdown its pollers and running tasks.
  await Promise.allSettled([
    // Bounded: a projector stuck in a batch never finishes disconnecting.
    ...system.projectors.map((p) => withDeadline('stopping a projector', 10_000, () => p.stop())),
    ...system.workers.map((w) => w.shutdown()),
  ]);
  await system.publisher.close();
  await removeIsolatedResources({ mongo, kafka }, system.resources);
  await mongo.close();
  await system.connection.close();
}

/** The projector instances: on this thread, or each on a thread of its own. */
async function startProjectors(
  options: InProcessSystemOptions,
  shared: {
    kafka: Kafka;
    mongo: MongoClient;
    publisher: MessagePublisher;
    groupId: string;
    topic: string;
    readDb: string;
  },
): Promise<(Pick<Projector, 'stop'> & Partial<Pick<ProjectorThread, 'metrics'>>)[]> {
  const { servers, name, logger, tracing } = options;
  const { groupId, topic } = shared;
  const projectors: (Pick<Projector, 'stop'> & Partial<Pick<ProjectorThread, 'metrics'>>)[] = [];
  for (let instance = 0; instance < (options.projectors ?? 1); instance++) {
    const onProgress = (progress: ProjectorProgress) =>
      options.onProjectorProgress?.(instance, progress);
    if (options.projectorThreads) {
      projectors.push(
        await startProjectorThread(
          {
            mongoUrl: servers.mongoUrl,
            kafkaBrokers: servers.kafkaBrokers,
            clientId: `${name}-projector-${instance}`,
            readDb: shared.readDb,
            groupId,
            topic,
            logName: `${name}-projector-${instance}`,
            logLevel: logger.level,
            positionCheckMs: options.projectorPositionCheckMs,
          },
          onProgress,
          logger,
        ),
      );
      continue;
    }
    projectors.push(
      await startProjector({
        kafka: shared.kafka,
        db: shared.mongo.db(shared.readDb),
        logger,
        registry: new Registry(),
        readModels: { ...DEFAULT_READ_MODELS, groupId },
        topic,
        deadLetters: { mode: 'publish', publisher: shared.publisher },
        tracer: tracing?.tracer,
        positionCheckMs: options.projectorPositionCheckMs,
        onProgress: (progress) => onProgress({ ...progress, at: Date.now() }),
      }),
    );
  }
  return projectors;
}

/** The API's configuration: local mode on the system's resources, unthrottled. */
function apiConfig(
  options: InProcessSystemOptions,
  system: Pick<IsolatedResources, 'namespace' | 'dbs'> & {
    jwtSecret: string;
    webhookSecret: string;
  },
) {
  const { servers } = options;
  return loadApiConfig({
    LOG_LEVEL: 'error',
    LOCAL_MODE: 'true',
    // Several systems may share this process: no fixed metrics port.
    METRICS_ENABLED: 'false',
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: system.namespace,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    MONGO_URL: servers.mongoUrl,
    PORT: String(options.apiPort ?? 0),
    READ_DB: system.dbs.read,
    INVENTORY_DB: system.dbs.inventory,
    API_DB: system.dbs.api,
    JWT_SECRET: system.jwtSecret,
    PAYMENT_WEBHOOK_SECRET: system.webhookSecret,
    RATE_LIMIT_PER_MINUTE: UNLIMITED_PER_MINUTE,
    ...(options.maxOpenOrdersPerCustomer && {
      MAX_OPEN_ORDERS_PER_CUSTOMER: String(options.maxOpenOrdersPerCustomer),
    }),
    ...(options.codecKeys && { CODEC_KEYS: options.codecKeys, CODEC_SERVER_ENABLED: 'true' }),
    ...(options.temporalUiUrl && { TEMPORAL_UI_URL: options.temporalUiUrl }),
  });
}

/** The four workers (as many order workers as asked), with the workflow code bundled first. */
async function startWorkers(
  options: InProcessSystemOptions,
  shared: {
    workerConfig: ReturnType<typeof serviceWorkerConfig> & CodecConfig;
    metrics: Registry;
    publisher: MessagePublisher;
    topic: string;
    onBundled: () => void;
  },
) {
  const { logger, tracing } = options;
  const { workerConfig, publisher, topic } = shared;
  const depsFor = (service: Service) => ({
    logger,
    tracing,
    metrics: shared.metrics,
    eventActivities: createEventActivities({
      publisher,
      service,
      logger,
      topic,
      tracer: tracing?.tracer,
    }),
  });
  const bundle =
    options.workflowBundle ??
    (await workflowBundle({ workflowsPath: options.workflowsPath, traced: tracing !== undefined }));
  shared.onBundled();
  const orderWorkers = Array.from({ length: options.orderWorkers ?? 1 }, (_, instance) => {
    const deps = depsFor('orders');
    const eventActivities =
      options.orderWorkerEvents?.(instance, deps.eventActivities) ?? deps.eventActivities;
    return startOrdersWorker(workerConfig, { ...deps, eventActivities, workflowBundle: bundle });
  });
  return Promise.all([
    ...orderWorkers,
    startInventoryWorker(workerConfig, depsFor('inventory')),
    startPaymentsWorker(workerConfig, depsFor('payments')),
    startShippingWorker(workerConfig, depsFor('shipping')),
  ]);
}

/** The system's Temporal client: its namespace, codec and (when traced) interceptors. */
function systemClient(
  connection: Connection,
  namespace: string,
  codec: CodecConfig,
  tracing: Tracing | undefined,
): Client {
  return new Client({
    connection,
    namespace,
    dataConverter: dataConverterFor(codec),
    ...(tracing && {
      interceptors: {
        workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })],
      },
    }),
  });
}
