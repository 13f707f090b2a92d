import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { LogEntry, MetricsExporterConfig, WorkerOptions } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { Db } from 'mongodb';
import type { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import { TASK_QUEUES } from '../contracts/services';
import type { EventService } from '../contracts/event-envelope';
import { dataConverterFor } from '../lib/codec';
import { loadConfig } from '../lib/config';
import { temporalConnectionOptions } from '../lib/connections';
import { createLogger } from '../lib/logger';
import type { MongoCommandMetrics } from '../lib/mongo-command-metrics';
import type { Logger } from '../lib/logger';
import { createReadinessReporter, READY, notReady } from '../lib/process-readiness';
import { createTracing, TRACING_WORKFLOW_INTERCEPTOR_MODULES, type Tracing } from '../lib/tracing';
import type { EventActivities } from '../activities/events/api';
import { createEventActivitiesFromEnv } from '../activities/events/from-env';
import { HISTOGRAM_BUCKETS } from '../activities/shared/metrics';
import type { WorkerConfig } from './config';
import { watchDatabase } from './database-watch';
import { STEP_FAILURE_TYPES } from '../workflows/saga-steps';

// Shared wiring of the four worker processes: connect, create the worker on the service's task
// queue, run it, and on shutdown close what the service opened (Mongo, Kafka), in that order.

/** The four services; each has a task queue (TASK_QUEUES) and owns some events (EVENT_OWNER). */
export type Service = EventService;

export interface RunningWorker {
  readonly taskQueue: string;
  readonly worker: Worker;
  /** Settles when the worker has stopped and everything it opened is closed. */
  readonly finished: Promise<void>;
  /** Graceful: stops polling, lets running tasks finish, then closes. */
  shutdown(): Promise<void>;
}

/** What every `start…Worker` accepts besides its config; all optional. */
export interface WorkerDeps {
  /**
   * The event-publishing activity. Default: Kafka, from `createEventActivitiesFromEnv` in
   * activities/events/from-env.ts. Tests and tools pass their own.
   */
  eventActivities?: EventActivities;
  logger?: Logger;
  /**
   * Traces workflows (RunWorkflow, StartActivity…: sandbox interceptors, exported through a
   * sink), activities (RunActivity:…) and Kafka publishes. Not closed by the worker.
   */
  tracing?: Tracing;
  /**
   * Called when the worker cannot work any more and will not recover in-process (its database
   * unreachable although pings go on: workers/database-watch.ts). A worker process exits for
   * its supervisor to start a fresh one (runAsMain). Default: log only.
   */
  onFatal?: (error: Error) => void;
  /**
   * Counts the service's MongoDB commands and Kafka requests here (lib/mongo-command-metrics.ts,
   * lib/kafka-request-metrics.ts); default: not counted. A worker process (runAsMain) counts
   * them on its runtime's meter.
   */
  metrics?: MongoCommandMetrics;
}

export interface RunWorkerOptions {
  service: Service;
  config: WorkerConfig;
  activities: object;
  deps: WorkerDeps;
  /** Only the orders worker runs workflows. */
  workflows?: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle' | 'bundlerOptions'>;
  /** Closes what the service opened, after the worker stopped. */
  close?: () => Promise<void>;
  /** The service's database, watched while the worker runs (workers/database-watch.ts). */
  database?: Db;
}

/** The event activities to register: the injected ones, or Kafka's from the environment. */
function eventActivitiesFor(service: Service, config: WorkerConfig, deps: WorkerDeps) {
  if (deps.eventActivities)
    return { activities: deps.eventActivities, close: () => Promise.resolve() };
  return createEventActivitiesFromEnv(service, config, {
    tracer: deps.tracing?.tracer,
    metrics: deps.metrics,
  });
}

/** Interceptors and the workflow-span sink, when the worker is traced. */
function tracingOptions(
  tracing: Tracing | undefined,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  const tracer = tracing.tracer;
  return {
    interceptors: {
      // Ignored (with a warning) for a prebuilt workflowBundle: bundle these modules into it.
      workflowModules: TRACING_WORKFLOW_INTERCEPTOR_MODULES,
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    // Workflow code cannot export spans itself (sandbox, no I/O): it hands them to this sink.
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

export async function runWorker(options: RunWorkerOptions): Promise<RunningWorker> {
  const { service, config, deps } = options;
  const logger = deps.logger ?? createLogger(`worker-${service}`, config.LOG_LEVEL);
  const taskQueue = TASK_QUEUES[service];
  const events = eventActivitiesFor(service, config, deps);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      // The orders worker publishes every event of a saga as a local activity. The others keep
      // `publishOrderEvent` registered for orders started before the `local-event-publishing`
      // patch, which schedule it on the event owner's task queue (workflows/order-events.ts);
      // drop it from them together with the patch's old branch.
      activities: { ...options.activities, ...events.activities },
      ...options.workflows,
      // Codecs run in the worker, outside the workflow sandbox, so bundling is unaffected.
      dataConverter: dataConverterFor(config),
      ...tracingOptions(deps.tracing),
    });
  } catch (error) {
    await connection.close();
    await events.close();
    await options.close?.();
    throw error;
  }
  logger.info({ taskQueue, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  const stopWatching = options.database
    ? watchDatabase({
        db: options.database,
        onFatal: (error) => {
          logger.error({ err: error }, 'worker cannot reach its database');
          deps.onFatal?.(error);
        },
      })
    : () => {};
  const finished = worker.run().finally(async () => {
    stopWatching();
    await connection.close();
    await events.close();
    await options.close?.();
    logger.info({ taskQueue }, 'worker stopped');
  });
  return {
    taskQueue,
    worker,
    finished,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await finished;
    },
  };
}

/** The type and message of a business failure (a step's, workflows/saga-steps.ts), else undefined. */
function businessFailure(error: unknown): { type: string; message: string } | undefined {
  if (!(error instanceof ApplicationFailure) || !error.nonRetryable) return undefined;
  const type = error.type;
  return type && STEP_FAILURE_TYPES.has(type) ? { type, message: error.message } : undefined;
}

/**
 * Warnings the SDK gives in normal operation, logged at debug: an activity-only worker
 * (inventory, payments, shipping) polls no workflow tasks by design.
 */
const EXPECTED_SDK_WARNINGS: ReadonlySet<string> = new Set([
  'No workflows registered, not polling for workflow tasks',
]);

/** Temporal's own logs (core and worker) as structured pino lines. */
export function temporalLogger(logger: Logger): DefaultLogger {
  const levels = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  } as const;
  return new DefaultLogger(logger.level === 'trace' ? 'TRACE' : 'INFO', (entry: LogEntry) => {
    // The SDK puts failures under `error`; pino serializes an Error (message, type, stack)
    // only under `err`, and would log `error: {}`.
    const { error, ...meta }: Record<string, unknown> = entry.meta ?? {};
    // A business rule saying no (declined card, unknown SKU) is an ordinary outcome of the
    // saga: info, with its type and message, no stack. Everything else keeps its stack.
    const business = businessFailure(error);
    if (business) {
      logger.info({ ...meta, failure: business, temporal: true }, entry.message);
      return;
    }
    const fields = error === undefined ? meta : { ...meta, err: error };
    const expected = entry.level === 'WARN' && EXPECTED_SDK_WARNINGS.has(entry.message);
    logger[expected ? 'debug' : levels[entry.level]]({ ...fields, temporal: true }, entry.message);
  });
}

/**
 * The Prometheus exporter of a worker's Core runtime: the SDK's metrics (`temporal_` prefix,
 * counters without `_total`, histograms in milliseconds) and ours (workflows/metrics.ts,
 * activities/shared/metrics.ts), all on `GET /metrics` at `bindAddress`.
 */
export function workerMetricsExporter(bindAddress: string): MetricsExporterConfig {
  return { prometheus: { bindAddress, histogramBucketOverrides: HISTOGRAM_BUCKETS } };
}

/**
 * Process-wide Temporal runtime for a worker process: SIGINT/SIGTERM shut the worker down
 * gracefully (running tasks finish), logs go through pino, and metrics are served for
 * Prometheus when WORKER_METRICS_ADDRESS is set. Call once, before creating the worker.
 */
export function installWorkerRuntime(config: WorkerConfig, logger: Logger): void {
  Runtime.install({
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    logger: temporalLogger(logger),
    ...(config.WORKER_METRICS_ADDRESS && {
      telemetryOptions: { metrics: workerMetricsExporter(config.WORKER_METRICS_ADDRESS) },
    }),
  });
}

/** Entry point when a worker file is executed directly: config from env, run until a signal. */
export function runAsMain<S extends z.ZodObject>(
  service: Service,
  schema: S,
  start: (config: z.infer<S>, deps: WorkerDeps) => Promise<RunningWorker>,
): void {
  const logger = createLogger(`worker-${service}`);
  let config: z.infer<S>;
  let tracing: Tracing | undefined;
  try {
    config = loadConfig(schema);
    installWorkerRuntime(config as WorkerConfig, logger);
    tracing = createTracing({
      serviceName: `worker-${service}`,
      otlpEndpoint: (config as WorkerConfig).OTEL_EXPORTER_OTLP_ENDPOINT,
    });
  } catch (error) {
    // Bad environment, or the metrics address is taken: say which, in one structured line.
    logger.fatal({ err: error }, 'cannot start the worker');
    process.exit(2);
  }
  // Exit for the supervisor (npm start, compose `restart:`, Kubernetes) to start a fresh process;
  // a graceful shutdown could wait on the very client that is stuck.
  const onFatal = () => setTimeout(() => process.exit(1), 200);
  // Ready (for `npm start`'s supervisor) once the worker polls its task queue: created (the
  // orders worker with its workflow bundle) and running.
  const readiness = createReadinessReporter(
    notReady(
      service === 'orders'
        ? 'connecting to Temporal and bundling the workflow code'
        : 'connecting to MongoDB and Temporal',
    ),
  );
  // Served with the SDK's metrics on WORKER_METRICS_ADDRESS, as the API and projector serve theirs.
  const metrics = Runtime.instance().metricMeter;
  start(config, { logger, tracing, onFatal, metrics })
    .then((running) => {
      if (running.worker.getState() === 'RUNNING') readiness.set(READY);
      return running.finished;
    })
    // Flush the last spans before exiting; an unreachable collector must not fail the exit.
    .finally(() =>
      tracing
        ?.shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, 'flushing traces failed')),
    )
    .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'worker failed');
        process.exit(1);
      },
    );
}
