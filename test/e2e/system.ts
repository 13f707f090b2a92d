import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { z } from 'zod';
import { Registry } from 'prom-client';
import { createEventActivities } from '../../activities/events/event-activities';
import { loadApiConfig } from '../../api/config';
import { startApi, type RunningApi } from '../../api/main';
import { createKafka, createKafkaPublisher, type MessagePublisher } from '../../lib/kafka';
import { codecConfigShape, dataConverterFor } from '../../lib/codec';
import { createLogger } from '../../lib/logger';
import { TRACING_WORKFLOW_INTERCEPTOR_MODULES, type Tracing } from '../../lib/tracing';
import { DEFAULT_READ_MODELS } from '../../projections/store/pointers';
import { startProjector, type Projector } from '../../projections/runtime/projector';
import { startInventoryWorker } from '../../workers/inventory';
import { startOrdersWorker } from '../../workers/orders';
import { startPaymentsWorker } from '../../workers/payments';
import type { RunningWorker } from '../../workers/run-worker';
import { startShippingWorker } from '../../workers/shipping';
import {
  createIsolatedResources,
  dropIsolatedDatabases,
  serviceWorkerConfig,
} from '../setup/isolated-system';
import { testServers } from '../setup/servers';
import { workflowBundle } from '../workflows/saga-test-env';

/**
 * The whole system in this process, wired exactly as the separate processes of `npm start` are
 * (same start functions, real Temporal, Kafka and MongoDB-wire servers), but isolated for one
 * test file: its own Temporal namespace, event topic, consumer group and databases.
 */
export interface TestSystem {
  apiUrl: string;
  namespace: string;
  topic: string;
  dbs: { inventory: string; payments: string; shipping: string; read: string; api: string };
  temporal: Client;
  mongo: MongoClient;
  webhookSecret: string;
  jwtSecret: string;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** Trace everything with this provider (workflow code is then bundled with its interceptors). */
  tracing?: Tracing;
  /** CODEC_KEYS for the client, the workers and the API's codec server (enabled with it). */
  codecKeys?: string;
  /** Another Temporal server than the global setup's (e.g. one whose UI uses the codec server). */
  temporalAddress?: string;
  /** The API's port (default: a free one) and the Temporal UI origin its codec server allows. */
  apiPort?: number;
  temporalUiUrl?: string;
}

let tracedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflows with the OpenTelemetry workflow interceptors, bundled once per test file. */
function tracedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return (tracedBundle ??= bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'),
    workflowInterceptorModules: TRACING_WORKFLOW_INTERCEPTOR_MODULES,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  }));
}

export async function startTestSystem(
  name: string,
  options: TestSystemOptions = {},
): Promise<TestSystem> {
  const servers = {
    ...testServers(),
    ...(options.temporalAddress && { temporalAddress: options.temporalAddress }),
  };
  const { tracing } = options;
  // Parsed like the processes parse CODEC_KEYS, so bad keys fail here the same way.
  const codec = z.object(codecConfigShape).parse({ CODEC_KEYS: options.codecKeys });
  const logger = createLogger(`e2e-${name}`, process.env.E2E_LOG_LEVEL ?? 'error');
  const connection = await Connection.connect({ address: servers.temporalAddress });
  const resources = await createIsolatedResources(connection, servers.kafkaBrokers, name, 3);
  const { namespace, suffix, topic, dbs } = resources;
  const webhookSecret = 'e2e-webhook-secret-0123456789';
  const jwtSecret = 'e2e-jwt-secret-0123456789-0123456789-abcdef';

  const mongo = await MongoClient.connect(servers.mongoUrl);
  const kafka = createKafka({ brokers: servers.kafkaBrokers, clientId: `e2e-${name}`, logger });
  const publisher: MessagePublisher = createKafkaPublisher(kafka, logger);

  const env = {
    LOG_LEVEL: 'error',
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    MONGO_URL: servers.mongoUrl,
  };
  const workerConfig = { ...serviceWorkerConfig(servers, resources), ...codec };
  const depsFor = (service: 'orders' | 'inventory' | 'payments' | 'shipping') => ({
    logger,
    tracing,
    eventActivities: createEventActivities({
      publisher,
      service,
      logger,
      topic,
      tracer: tracing?.tracer,
    }),
  });

  const workers: RunningWorker[] = await Promise.all([
    startOrdersWorker(workerConfig, {
      ...depsFor('orders'),
      workflowBundle: await (tracing ? tracedWorkflowBundle() : workflowBundle()),
    }),
    startInventoryWorker(workerConfig, depsFor('inventory')),
    startPaymentsWorker(workerConfig, depsFor('payments')),
    startShippingWorker(workerConfig, depsFor('shipping')),
  ]);

  const projector: Projector = await startProjector({
    kafka,
    db: mongo.db(dbs.read),
    logger,
    registry: new Registry(),
    readModels: { ...DEFAULT_READ_MODELS, groupId: `order-projections.${suffix}` },
    topic,
    deadLetters: { mode: 'publish', publisher },
    tracer: tracing?.tracer,
  });

  const temporal = new Client({
    connection,
    namespace,
    dataConverter: dataConverterFor(codec),
    ...(tracing && {
      interceptors: {
        workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })],
      },
    }),
  });
  const api: RunningApi = await startApi(
    loadApiConfig({
      ...env,
      PORT: String(options.apiPort ?? 0),
      READ_DB: dbs.read,
      INVENTORY_DB: dbs.inventory,
      API_DB: dbs.api,
      JWT_SECRET: jwtSecret,
      PAYMENT_WEBHOOK_SECRET: webhookSecret,
      RATE_LIMIT_PER_MINUTE: '100000',
      ...(options.codecKeys && { CODEC_KEYS: options.codecKeys, CODEC_SERVER_ENABLED: 'true' }),
      ...(options.temporalUiUrl && { TEMPORAL_UI_URL: options.temporalUiUrl }),
    }),
    { temporal, mongo, kafka, logger, tracing },
  );

  return {
    apiUrl: api.url,
    namespace,
    topic,
    dbs,
    temporal,
    mongo,
    webhookSecret,
    jwtSecret,
    async stop() {
      await api.close();
      await projector.stop();
      await Promise.allSettled(workers.map((w) => w.shutdown()));
      await publisher.close();
      await dropIsolatedDatabases(mongo, { dbs });
      await mongo.close();
      await connection.close();
    },
  };
}
