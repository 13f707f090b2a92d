import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Db, MongoClient } from 'mongodb';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig } from '../../lib/config';
import { kafkaSecurity, mongoClientOptions } from '../../lib/connections';
import { withDeadline } from '../../lib/deadline';
import { countMongoCommands } from '../../lib/mongo-command-metrics';
import { createKafka, createKafkaPublisher } from '../../lib/kafka';
import { createLogger, type Logger } from '../../lib/logger';
import {
  answerReadiness,
  createReadinessReporter,
  notReady,
  type ReadinessReporter,
} from '../../lib/process-readiness';
import { createTracing } from '../../lib/tracing';
import { type ProjectionConfig, projectionConfigSchema } from './config';
import { readActiveReadModels } from '../store/pointers';
import type { Projector, ProjectorOptions } from './projector';
import { startProjector } from './projector';

// The projector process (`npm run projector`). Run as many as there are partitions to spread
// the load; they share the consumer group of the active read models. When a rebuild switches
// the read models, every instance notices within PROJECTOR_POINTER_POLL_MS and continues with
// the new collections and the rebuild's consumer group, where the rebuild left off.

async function main(): Promise<void> {
  const config = loadConfig(projectionConfigSchema);
  const logger = createLogger('projector', config.LOG_LEVEL);
  // Said to the supervisor of `npm start` and served as /readyz (a Kubernetes readiness probe).
  const readiness = createReadinessReporter(notReady('connecting to MongoDB'));
  const tracing = createTracing({
    serviceName: 'projector',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  // The projector bounds each of its operations itself (projections/store/mongo-store.ts); the
  // socket timeout also closes a connection whose reply never comes for anything else here.
  const mongo = new MongoClient(config.MONGO_URL, {
    socketTimeoutMS: 60_000,
    ...mongoClientOptions(config),
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  countMongoCommands(mongo, registry);
  await mongo.connect();
  const db = mongo.db(config.READ_DB);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: 'order-projector',
    logger,
    security: kafkaSecurity(config),
    metrics: registry,
  });
  const publisher = createKafkaPublisher(kafka, logger);
  const server = await serveHealthAndMetrics(config, registry, readiness, logger);

  const projection = await followActiveReadModels(db, config.PROJECTOR_POINTER_POLL_MS, logger, {
    kafka,
    db,
    logger,
    registry,
    topic: config.ORDER_EVENTS_TOPIC,
    deadLetters: { mode: 'publish', publisher },
    partitionsConcurrently: config.PROJECTOR_PARTITIONS_CONCURRENTLY,
    tracer: tracing?.tracer,
    // Exit for the supervisor (npm start, compose `restart:`, Kubernetes) to start a fresh
    // process; a graceful stop could hang on the very consumer that is stuck.
    onFatal: () => setTimeout(() => process.exit(1), 200),
    onReadiness: (state) => readiness.set(state),
  });

  exitOnSignals(logger, async () => {
    await projection.stop();
    await publisher.close();
    await mongo.close();
    await tracing
      ?.shutdown()
      .catch((error: unknown) => logger.warn({ err: error }, 'flushing traces failed'));
    server.close();
  });
}

/** `/healthz`, `/readyz` and `/metrics` on the configured host and port. */
async function serveHealthAndMetrics(
  config: Pick<ProjectionConfig, 'PROJECTOR_METRICS_PORT' | 'PROJECTOR_METRICS_HOST'>,
  registry: Registry,
  readiness: ReadinessReporter,
  logger: Logger,
): Promise<Server> {
  const server = createServer((req, res) => {
    // Liveness: the process answers. A projector that cannot consume exits (onFatal above).
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    // Readiness: a member of its group whose partitions have caught up (projector.ts).
    if (req.url === '/readyz') {
      answerReadiness(res, readiness.current());
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) =>
    server.listen(config.PROJECTOR_METRICS_PORT, config.PROJECTOR_METRICS_HOST, resolve),
  );
  logger.info({ port: (server.address() as AddressInfo).port }, 'metrics on /metrics');
  return server;
}

/**
 * Projects into the active read models, and follows the pointer when a rebuild switches them:
 * the projector of the old generation stops, one of the new starts. `stop` ends both the
 * following and the projector.
 */
async function followActiveReadModels(
  db: Db,
  pollMs: number,
  logger: Logger,
  options: Omit<ProjectorOptions, 'readModels'>,
): Promise<{ stop(): Promise<void> }> {
  // Bounded: a read that never returns would hold the start, every later check and the
  // shutdown (which waits for the check in progress).
  const readPointer = () =>
    withDeadline('reading the read-model pointer', 60_000, () => readActiveReadModels(db));
  const start = async () => {
    const active = await readPointer();
    const projector = await startProjector({ ...options, readModels: active });
    return { projector, generation: active.generation };
  };
  let current: { projector: Projector; generation: string | null } = await start();
  let switching = Promise.resolve();
  const poll = setInterval(() => {
    switching = switching
      .then(async () => {
        const active = await readPointer();
        if (active.generation === current.generation) return;
        logger.info({ from: current.generation, to: active.generation }, 'read models switched');
        await current.projector.stop();
        current = await start();
      })
      .catch((error: unknown) =>
        logger.error({ err: error }, 'checking the read-model pointer failed'),
      );
  }, pollMs);
  return {
    async stop() {
      clearInterval(poll);
      await switching;
      await current.projector.stop();
    },
  };
}

/**
 * One shutdown for every signal: under `npm start` a Ctrl-C brings the terminal's SIGINT and
 * the supervisor's SIGTERM, and the second must not exit before the first has left the group.
 */
function exitOnSignals(logger: Logger, stopAll: () => Promise<void>): void {
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    return (shuttingDown ??= stopAll());
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
