import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { buildAsyncApiDocument } from '../contracts/asyncapi';
import { payloadCodecFromConfig } from '../lib/codec';
import { kafkaSecurity, mongoClientOptions, temporalConnectionOptions } from '../lib/connections';
import { createKafka } from '../lib/kafka';
import { countMongoCommands } from '../lib/mongo-command-metrics';
import { createLogger, type Logger } from '../lib/logger';
import { createTracing, type Tracing } from '../lib/tracing';
import { createMongoCatalog } from './adapters/mongo-catalog';
import { createMongoIdempotencyStore } from './adapters/mongo-idempotency-store';
import { createMongoOrderReadModel } from './adapters/mongo-order-read-model';
import { createMongoProcessedWebhooks } from './adapters/mongo-processed-webhooks';
import { createMongoRateLimitCounters } from './adapters/mongo-rate-limit-counters';
import { createReadiness } from './adapters/readiness';
import { createTemporalOrderCommands } from './adapters/temporal-order-commands';
import { createApp } from './app';
import { appSettings, loadApiConfig, type ApiConfig } from './config';

/** Clients a supervisor or the end-to-end suite may pass in; those passed in are not closed here. */
export interface ApiClients {
  temporal?: Client;
  mongo?: MongoClient;
  kafka?: Kafka;
  logger?: Logger;
  metrics?: Registry;
  /**
   * Tracing for requests and the Temporal client; default: OTLP when
   * OTEL_EXPORTER_OTLP_ENDPOINT is set (then owned and flushed on close), else off.
   */
  tracing?: Tracing;
}

export interface RunningApi {
  server: Server;
  port: number;
  url: string;
  /** Where /metrics is served (METRICS_PORT), unless METRICS_ENABLED=false. */
  metricsUrl?: string;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes owned clients. */
  close(): Promise<void>;
}

/** Stops a client this process created; run in order on close. */
type Owned = () => Promise<unknown>;

/** Starts the API on config.PORT (0 picks a free port) with real adapters. */
export async function startApi(config: ApiConfig, clients: ApiClients = {}): Promise<RunningApi> {
  const logger = clients.logger ?? createLogger('api', config.LOG_LEVEL);
  const owned: Owned[] = [];
  // Encrypts workflow payloads (payment token, address) when CODEC_KEYS is set; a client passed
  // in brings its own data converter, and the codec server still serves this one.
  const codec = payloadCodecFromConfig(config);
  const tracing = clients.tracing ?? ownedTracing(config, owned);
  let metrics = clients.metrics;
  if (!metrics) {
    metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
  }
  // A client passed in is counted by whoever created it.
  const mongo = clients.mongo ?? ownedMongo(config, owned, metrics);
  const temporal = clients.temporal ?? ownedTemporal(config, codec, tracing, owned);
  const kafka =
    clients.kafka ??
    createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: 'order-saga-api',
      logger,
      security: kafkaSecurity(config),
      metrics,
    });
  const readiness = createReadiness({ temporal, mongo, kafka });
  owned.unshift(() => readiness.close());

  const idempotency = createMongoIdempotencyStore(mongo.db(config.API_DB), {
    retentionMs: config.IDEMPOTENCY_KEY_RETENTION_MS,
  });
  await idempotency.ensureIndexes();

  let asyncApi: unknown;
  const app = createApp({
    settings: appSettings(config),
    logger,
    metrics,
    commands: createTemporalOrderCommands(temporal),
    readModel: createMongoOrderReadModel(mongo.db(config.READ_DB)),
    catalog: createMongoCatalog(mongo.db(config.INVENTORY_DB)),
    idempotency,
    webhooks: createMongoProcessedWebhooks(mongo.db(config.API_DB)),
    readiness,
    asyncApiDocument: () => (asyncApi ??= buildAsyncApiDocument()),
    codec,
    tracer: tracing?.tracer,
    // Shared by every instance when scaled out; in memory (per instance) by default.
    ...(config.RATE_LIMIT_STORE === 'mongodb' && {
      rateLimits: createMongoRateLimitCounters(mongo.db(config.API_DB)),
    }),
  });
  return serve(app, config, { logger, metrics, owned });
}

/** Tracing owned (and flushed on close) by the API: OTLP when the endpoint is set, else off. */
function ownedTracing(config: ApiConfig, owned: Owned[]): Tracing | undefined {
  const created = createTracing({
    serviceName: 'api',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  if (created) owned.push(() => created.shutdown());
  return created;
}

function ownedTemporal(
  config: ApiConfig,
  codec: ReturnType<typeof payloadCodecFromConfig>,
  tracing: Tracing | undefined,
  owned: Owned[],
): Client {
  // Lazy: the API starts (and reports not ready) while Temporal is still coming up.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  owned.push(() => connection.close());
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(codec && { dataConverter: { payloadCodecs: [codec] } }),
    // StartWorkflow spans, and the trace context carried into the workflow in its headers.
    ...(tracing && {
      interceptors: {
        workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })],
      },
    }),
  });
}

function ownedMongo(config: ApiConfig, owned: Owned[], metrics: Registry): MongoClient {
  // The driver connects on first use, so a MongoDB that is down does not stop the start.
  const mongo = new MongoClient(config.MONGO_URL, {
    serverSelectionTimeoutMS: 3000,
    appName: 'order-saga-api',
    ...mongoClientOptions(config),
  });
  countMongoCommands(mongo, metrics);
  owned.push(() => mongo.close());
  return mongo;
}

/** Listens on HOST:PORT (and METRICS_PORT); `close` drains, then stops the owned clients. */
async function serve(
  app: ReturnType<typeof createApp>,
  config: ApiConfig,
  { logger, metrics, owned }: { logger: Logger; metrics: Registry; owned: Owned[] },
): Promise<RunningApi> {
  const server = app.listen(config.PORT, config.HOST);
  await listening(server);
  // Slow clients cannot hold sockets forever; minVersion waits stay well under these.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: config.HOST, port }, 'api listening');
  const metricsServer = config.METRICS_ENABLED
    ? await serveMetrics(metrics, config.METRICS_PORT, config.METRICS_HOST)
    : undefined;
  let metricsUrl: string | undefined;
  if (metricsServer) {
    const metricsPort = (metricsServer.address() as AddressInfo).port;
    logger.info({ host: config.METRICS_HOST, port: metricsPort }, 'metrics on /metrics');
    metricsUrl = `http://${urlHost(config.METRICS_HOST)}:${metricsPort}`;
    owned.push(() => new Promise((resolve) => metricsServer.close(resolve)));
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('api shutting down');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      await stopped;
      clearTimeout(grace);
      for (const closeClient of owned)
        await closeClient().catch((err: unknown) => logger.warn({ err }, 'close failed'));
      logger.info('api stopped');
    })());

  return { server, port, url: `http://${urlHost(config.HOST)}:${port}`, metricsUrl, close };
}

const listening = (server: Server) =>
  new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

/** A wildcard address is not one to connect to; loopback reaches it from this machine. */
const urlHost = (host: string) =>
  host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

/**
 * Prometheus metrics on a port of their own: the public port serves clients, and what the
 * process counts (routes, failure rates, memory) is for the operator's network only.
 */
async function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port, host);
  await listening(server);
  return server;
}

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const api = await startApi(config, { logger });
  const received = new Set<NodeJS.Signals>();
  const stop = (signal: NodeJS.Signals) => {
    // The same signal twice (a second Ctrl-C) means "now". A different one is the supervisor
    // repeating the terminal's Ctrl-C as SIGTERM: keep draining.
    if (received.has(signal)) process.exit(1);
    const first = received.size === 0;
    received.add(signal);
    if (!first) return;
    void api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    logger.info({ signal }, 'signal received; draining');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
