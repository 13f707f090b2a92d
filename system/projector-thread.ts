import { parentPort, Worker, workerData } from 'node:worker_threads';
import { MongoClient } from 'mongodb';
import { Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { withDeadline } from '../lib/deadline';
import { createKafka, createKafkaPublisher } from '../lib/kafka';
import { countMongoCommands } from '../lib/mongo-command-metrics';
import type { Logger } from '../lib/logger';
import { createLogger } from '../lib/logger';
import type { ProjectorOptions } from '../projections/runtime/projector';
import { startProjector } from '../projections/runtime/projector';
import { DEFAULT_READ_MODELS } from '../projections/store/pointers';

// One projector of the in-process system on a thread of its own, with its own MongoDB and Kafka
// clients: an event loop of its own, as it has in every deployment, where it is a process of its
// own. On the thread of the API and the four workers, each step of its chunks waits behind their
// callbacks (the benchmark saw that loop 77-88 % busy during a burst of orders), and the
// projection lag with it.

export interface ProjectorThreadConfig {
  mongoUrl: string;
  kafkaBrokers: string[];
  clientId: string;
  readDb: string;
  groupId: string;
  topic: string;
  /** The thread's logger: its name and level. */
  logName: string;
  logLevel: string;
  /** ProjectorOptions.positionCheckMs (default: the projector's). */
  positionCheckMs?: number;
}

/** A committed chunk, and when it was committed (ms since the epoch, on the projector's side). */
export type ProjectorProgress = Parameters<NonNullable<ProjectorOptions['onProgress']>>[0] & {
  at: number;
};

type FromThread =
  | { kind: 'started' }
  | { kind: 'progress'; progress: ProjectorProgress }
  | { kind: 'stopped' }
  | { kind: 'metrics'; metrics: ThreadMetrics }
  | { kind: 'failed'; message: string };

/** The thread's registry (its MongoDB commands, its projector's metrics) as prom-client JSON. */
export type ThreadMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** What the main thread asks of the thread. */
type ToThread = 'stop' | 'metrics';

/** Marks the thread's workerData, so that only a thread started here runs a projector. */
const MARK = 'order-saga/projector-thread';

/**
 * Longest a stop waits for the thread's projector before terminating the thread: less than the
 * 10 s the in-process system gives a projector to stop; its disconnect waits out the fetch in
 * flight (up to 5 s).
 */
const STOP_LIMIT_MS = 9_000;

export interface ProjectorThread {
  /** Stops the projector (its chunk in progress is committed), then ends the thread. */
  stop(): Promise<void>;
  /**
   * The thread's metrics, for the main thread to aggregate (prom-client's Registry.aggregate):
   * a registry does not cross threads. Empty once the thread has stopped.
   */
  metrics(): Promise<ThreadMetrics>;
}

/** Starts the thread; resolves once its projector has joined its group and is consuming. */
export function startProjectorThread(
  config: ProjectorThreadConfig,
  onProgress: (progress: ProjectorProgress) => void,
  logger: Logger,
): Promise<ProjectorThread> {
  const workerOptions = { workerData: { mark: MARK, config } };
  // The thread runs this very file: compiled, as it is; from source, through tsx's CommonJS
  // hook (a thread does not get the hooks the tsx CLI registered on the main thread).
  const thread = __filename.endsWith('.ts')
    ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
        ...workerOptions,
        eval: true,
      })
    : new Worker(__filename, workerOptions);
  let stopping = false;
  let stopped = () => {};
  const metricsWaiters: ((metrics: ThreadMetrics) => void)[] = [];
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      reject(error); // no-op once started
      if (!stopping)
        logger.error({ err: error, groupId: config.groupId }, 'projector thread failed');
    };
    thread.on('error', fail);
    thread.on('exit', (code) => {
      stopped();
      fail(new Error(`projector thread exited with code ${code}`));
    });
    thread.on('message', (message: FromThread) => {
      if (message.kind === 'progress') onProgress(message.progress);
      else if (message.kind === 'failed') fail(new Error(message.message));
      else if (message.kind === 'stopped') stopped();
      else if (message.kind === 'metrics') metricsWaiters.shift()?.(message.metrics);
      else resolve({ stop, metrics });
    });
  });

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    const done = new Promise<void>((resolve) => (stopped = resolve));
    thread.postMessage('stop' satisfies ToThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, STOP_LIMIT_MS)))]);
    clearTimeout(timer);
    await thread.terminate();
    for (const waiter of metricsWaiters.splice(0)) waiter([]);
  }

  function metrics(): Promise<ThreadMetrics> {
    if (stopping) return Promise.resolve([]);
    return new Promise((resolve) => {
      metricsWaiters.push(resolve);
      thread.postMessage('metrics' satisfies ToThread);
    });
  }
}

/** Runs the projector on this thread; resolves with how to stop it. */
async function run(
  config: ProjectorThreadConfig,
  post: (message: FromThread) => void,
  registry: Registry,
): Promise<() => Promise<void>> {
  const logger = createLogger(config.logName, config.logLevel);
  const mongo = new MongoClient(config.mongoUrl, { monitorCommands: true });
  countMongoCommands(mongo, registry);
  await mongo.connect();
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.clientId,
    logger,
    metrics: registry,
  });
  const publisher = createKafkaPublisher(kafka, logger);
  const projector = await startProjector({
    kafka,
    db: mongo.db(config.readDb),
    logger,
    registry,
    readModels: { ...DEFAULT_READ_MODELS, groupId: config.groupId },
    topic: config.topic,
    deadLetters: { mode: 'publish', publisher },
    positionCheckMs: config.positionCheckMs,
    onProgress: (progress) => post({ kind: 'progress', progress: { ...progress, at: Date.now() } }),
  });
  post({ kind: 'started' });
  return async () => {
    try {
      await withDeadline('stopping a projector', STOP_LIMIT_MS - 2_000, () => projector.stop());
    } finally {
      await Promise.allSettled([publisher.close(), mongo.close()]);
    }
  };
}

const data = workerData as { mark?: string; config?: ProjectorThreadConfig } | null;
if (parentPort && data?.mark === MARK && data.config) {
  const port = parentPort;
  const post = (message: FromThread) => port.postMessage(message);
  const registry = new Registry();
  run(data.config, post, registry).then(
    (stop) =>
      port.on('message', (message: ToThread) => {
        if (message === 'metrics') {
          void registry.getMetricsAsJSON().then((metrics) => post({ kind: 'metrics', metrics }));
          return;
        }
        void stop()
          .catch((error: unknown) => post({ kind: 'failed', message: String(error) }))
          .finally(() => post({ kind: 'stopped' }));
      }),
    (error: unknown) => post({ kind: 'failed', message: String(error) }),
  );
}
