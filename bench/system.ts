import type { Client } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import type { EventActivities } from '../activities/events/api';
import type { SagaShape } from './args';
import { createKafka } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { startInProcessSystem } from '../system/in-process';
import { benchBundle } from './bundle';
import type { CostSnapshot } from './cost';
import { activationCounts, benchKafkaCounts, dbRoleOf, requestCounts } from './counters';
import type { CpuSample } from './cpu';
import type { CommitMark, ObservedEvent } from './lag';
import { observeTopic } from './observer';
import type { Phases } from './phases';
import { parseExposition, scrape } from './prometheus';
import type { BenchServers } from './servers';

// A saga row's system. `in-process` (here): the whole system in this process
// (system/in-process.ts, as the end-to-end tests run it, each projector on a thread of its own),
// with counters of what each instance did. `deployed` (bench/deployed.ts): each process of
// system/processes.ts a child process, as `npm start` runs them. Both with N order workers and N
// projectors and an observer of the topic for the projection lag.

export const PARTITIONS = 3;

export type { SagaShape };

/** How the work was shared between instances, `a/b` per instance. */
export interface InstanceShares {
  /** Event-publishing (local) activities run per order worker. */
  order_worker_tasks: string;
  /** Partitions each projector committed (in-process) or was assigned (deployed). */
  projector_partitions: string;
  /** Events each projector applied. */
  projector_applied: string;
}

export interface BenchSystem {
  shape: SagaShape;
  apiUrl: string;
  namespace: string;
  readDb: string;
  temporal: Client;
  mongo: MongoClient;
  jwtSecret: string;
  /** For projection lag: events seen on the topic and the projectors' commits. */
  observed: ObservedEvent[];
  commits: CommitMark[];
  /** CPU seconds so far: the servers, this process (`node`), each system process (deployed). */
  cpu(): CpuSample;
  /** Every counter now: CPU, MongoDB commands, Kafka requests, activations, per instance. */
  snapshot(): Promise<CostSnapshot>;
  /** How the work between two snapshots was shared between the instances. */
  shares(before: CostSnapshot, after: CostSnapshot): Promise<InstanceShares>;
  stop(): Promise<void>;
}

export interface BenchSystemOptions {
  servers: BenchServers;
  name: string;
  orderWorkers: number;
  projectors: number;
  /** The bench's Temporal runtime metrics (bench/main.ts): activations of this process's workflows. */
  runtimeMetricsUrl?: string;
  /** Marks the start-up's phases (resources, bundle, workers, projectors, api, observer). */
  phases?: Phases;
  /** Start-up progress, for the status line. */
  onProgress?: (text: string) => void;
  /** What should stay on the log: a system process that exited by itself. */
  onLog?: (line: string) => void;
}

/** Counts each publishing activity run (one or several events). */
function countingActivities(inner: EventActivities, count: () => void): EventActivities {
  return {
    publishOrderEvent: async (draft) => {
      count();
      await inner.publishOrderEvent(draft);
    },
    publishOrderEvents: async (drafts) => {
      count();
      await inner.publishOrderEvents(drafts);
    },
  };
}

/** The activations this process's workers counted in `namespace` (none without the URL). */
export async function runtimeActivations(
  url: string | undefined,
  namespace: string,
): Promise<Record<string, number>> {
  return url ? activationCounts(await scrape(url), namespace) : {};
}

/** `a/b`: each instance's increase of `instance_<what>:<i>` between two snapshots. */
export function perInstance(before: CostSnapshot, after: CostSnapshot, what: string, n: number) {
  const key = (i: number) => `instance_${what}:${i}`;
  return Array.from(
    { length: n },
    (_, i) => (after.counts[key(i)] ?? 0) - (before.counts[key(i)] ?? 0),
  ).join('/');
}

/** Per instance, `instance_tasks`, `instance_applied` and `instance_chunks:<i> <partition>`. */
interface InstanceCounters {
  tasks: number[];
  applied: number[];
  chunks: Map<string, number>;
}

function instanceCounts(c: InstanceCounters): Record<string, number> {
  return {
    ...Object.fromEntries(c.tasks.map((n, i) => [`instance_tasks:${i}`, n])),
    ...Object.fromEntries(c.applied.map((n, i) => [`instance_applied:${i}`, n])),
    ...Object.fromEntries([...c.chunks].map(([k, n]) => [`instance_chunks:${k}`, n])),
  };
}

/** Partitions each projector committed chunks of between two snapshots, `0+2/1`. */
function committedPartitions(before: CostSnapshot, after: CostSnapshot, n: number): string {
  const parts = Array.from({ length: n }, () => [] as number[]);
  for (const [key, count] of Object.entries(after.counts)) {
    const m = /^instance_chunks:(\d+) (\d+)$/.exec(key);
    if (m && count > (before.counts[key] ?? 0)) parts[Number(m[1])].push(Number(m[2]));
  }
  return parts.map((p) => p.sort().join('+') || '-').join('/');
}

export async function startInProcessBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const counters: InstanceCounters = {
    tasks: Array.from({ length: options.orderWorkers }, () => 0),
    applied: Array.from({ length: options.projectors }, () => 0),
    chunks: new Map(),
  };
  const commits: CommitMark[] = [];
  const logger = createLogger(`bench-${options.name}`, process.env.BENCH_LOG_LEVEL ?? 'fatal');
  const system = await startInProcessSystem({
    servers: options.servers,
    name: `bench-${options.name}`,
    logger,
    partitions: PARTITIONS,
    // The load generator keeps many of one customer's orders in flight.
    maxOpenOrdersPerCustomer: 1_000_000,
    orderWorkers: options.orderWorkers,
    projectors: options.projectors,
    // The saga and the baselines, with the activation counter (bench/bundle.ts).
    workflowBundle: await benchBundle(),
    orderWorkerEvents: (i, events) => countingActivities(events, () => counters.tasks[i]++),
    // Each projector on its own event loop, as it is a process of its own when deployed.
    projectorThreads: true,
    onProjectorProgress: (i, { partition, offset, counts, at }) => {
      commits.push({ partition, offset: Number(offset), at });
      const key = `${i} ${partition}`;
      counters.chunks.set(key, (counters.chunks.get(key) ?? 0) + 1);
      counters.applied[i] += counts.applied;
    },
    onStarted: (step) => options.phases?.mark(step),
  });

  // On a client of its own: the system's counts its requests.
  const benchMetrics = new Registry();
  const observerKafka = createKafka({
    brokers: options.servers.kafkaBrokers,
    clientId: 'bench-observer',
    logger,
    metrics: benchMetrics,
  });
  let observer: Awaited<ReturnType<typeof observeTopic>>;
  try {
    observer = await observeTopic(observerKafka, system.topic);
  } catch (error) {
    await system.stop();
    throw error;
  }
  options.phases?.mark('observer');
  return inProcessView(options, system, { observer, counters, commits, benchMetrics });
}

type InProcessSystem = Awaited<ReturnType<typeof startInProcessSystem>>;

/** The bench's view of an in-process system: its registries, counters and observer. */
function inProcessView(
  options: BenchSystemOptions,
  system: InProcessSystem,
  own: {
    observer: Awaited<ReturnType<typeof observeTopic>>;
    counters: InstanceCounters;
    commits: CommitMark[];
    benchMetrics: Registry;
  },
): BenchSystem {
  const { observer, counters } = own;
  const dbRole = dbRoleOf(system.dbs);
  const name = `bench-${options.name}`;
  // The API and the workers' publisher share the system's client; each projector has its own.
  const who = (client: string) =>
    client === name ? 'api+workers' : client.startsWith(`${name}-projector`) ? 'projector' : client;
  return {
    shape: 'in-process',
    apiUrl: system.apiUrl,
    namespace: system.namespace,
    readDb: system.dbs.read,
    temporal: system.temporal,
    mongo: system.mongo,
    jwtSecret: system.jwtSecret,
    observed: observer.observed,
    commits: own.commits,
    cpu: () => options.servers.cpu(),
    async snapshot() {
      const registry = await system.collectMetrics();
      const counts = {
        ...requestCounts(parseExposition(await registry.metrics()), dbRole, who),
        ...(await runtimeActivations(options.runtimeMetricsUrl, system.namespace)),
        ...instanceCounts(counters),
        ...(await benchKafkaCounts(own.benchMetrics)),
      };
      // Last: reading the counters is not in a window that starts here.
      return { counts, cpu: options.servers.cpu() };
    },
    shares: (before, after) =>
      Promise.resolve({
        order_worker_tasks: perInstance(before, after, 'tasks', options.orderWorkers),
        projector_partitions: committedPartitions(before, after, options.projectors),
        projector_applied: perInstance(before, after, 'applied', options.projectors),
      }),
    async stop() {
      // Together: the observer's disconnect waits out its fetch in flight (up to 5 s).
      await Promise.allSettled([observer.stop(), system.stop()]);
    },
  };
}
