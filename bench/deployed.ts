import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { PROJECTOR_GROUP_ID } from '../contracts/consumer-groups';
import { SERVICES } from '../contracts/services';
import { ORDER_EVENTS_TOPIC, deadLetterTopic, requiredTopics } from '../contracts/topics';
import { createKafka } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { Supervisor, type ProcessSpec } from '../scripts/supervisor';
import { freePorts } from '../stack';
import {
  createIsolatedResources,
  removeIsolatedResources,
  serviceWorkerConfig,
  type IsolatedResources,
} from '../system/isolated-resources';
import { SYSTEM_PROCESSES } from '../system/processes';
import { ensureTopics } from '../lib/kafka-topics';
import { processKind } from './cost';
import { cpuProfileOptions } from './cpu-profile';
import { benchKafkaCounts, dbRoleOf, requestCounts, total } from './counters';
import { pidsCpu } from './cpu';
import type { CommitMark } from './lag';
import { observeTopic, pollCommits } from './observer';
import { withTimeout } from './pool';
import { scrape, sumBy } from './prometheus';
import { PARTITIONS, perInstance, type BenchSystem, type BenchSystemOptions } from './system';

// The deployed shape of a saga row: every process of system/processes.ts a child process of
// its own, started and stopped by `npm start`'s supervisor (scripts/supervisor.ts), on the
// bench's servers, with a namespace and databases of its own. The processes take no topic
// setting (the workers publish to `order.events`), so each row recreates that topic empty, on
// a Kafka the bench started: never on a developer's.

const ROOT = path.resolve(__dirname, '..');

/** Every process ready within this, or the row fails (bundling the workflows is the longest). */
const READY_LIMIT_MS = 180_000;

/** One child process: its name (`worker-orders#2` for a second instance) and where it counts. */
interface Child {
  name: string;
  spec: ProcessSpec;
  metricsUrl: string;
}

/** What every process gets: the servers, local mode, the bench's log level. */
function commonEnv(options: BenchSystemOptions, resources: IsolatedResources): NodeJS.ProcessEnv {
  const worker = serviceWorkerConfig(options.servers, resources);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.TMPDIR && { TMPDIR: process.env.TMPDIR }),
    ...Object.fromEntries(
      Object.entries(worker).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
    ),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'fatal',
    READ_DB: resources.dbs.read,
    API_DB: resources.dbs.api,
    ORDER_EVENTS_TOPIC,
  };
}

/** The children: the API, each worker (N order workers) and N projectors, on free ports. */
async function children(instances: number, jwtSecret: string): Promise<Child[]> {
  const ports = await freePorts(2 + SERVICES.length + 2 * instances);
  const port = () => String(ports.pop());
  const named = (kind: string, i: number) => (i === 0 ? kind : `${kind}#${i + 1}`);
  const worker = (service: (typeof SERVICES)[number], i: number): Child => {
    const address = `127.0.0.1:${port()}`;
    const { process: kind, entry } = SYSTEM_PROCESSES[service];
    return {
      name: named(kind, i),
      spec: {
        name: named(kind, i),
        entry,
        readiness: { kind: 'ipc' },
        env: { WORKER_METRICS_ADDRESS: address },
      },
      metricsUrl: `http://${address}/metrics`,
    };
  };
  const projector = (i: number): Child => {
    const metricsPort = port();
    const { entry } = SYSTEM_PROCESSES.projector;
    const env = { PROJECTOR_METRICS_PORT: metricsPort };
    return {
      name: named('projector', i),
      spec: { name: named('projector', i), entry, readiness: { kind: 'ipc' }, env },
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    };
  };
  const [apiPort, metricsPort] = [port(), port()];
  const api: Child = {
    name: 'api',
    spec: {
      name: 'api',
      entry: SYSTEM_PROCESSES.api.entry,
      readiness: { kind: 'http', url: `http://127.0.0.1:${apiPort}/readyz` },
      env: {
        PORT: apiPort,
        METRICS_ENABLED: 'true',
        METRICS_PORT: metricsPort,
        JWT_SECRET: jwtSecret,
        PAYMENT_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
        // One client drives the system, with many of one customer's orders in flight.
        RATE_LIMIT_PER_MINUTE: '10000000',
        MAX_OPEN_ORDERS_PER_CUSTOMER: '1000000',
      },
    },
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
  };
  const all = [
    api,
    ...SERVICES.flatMap((s) =>
      Array.from({ length: s === 'orders' ? instances : 1 }, (_, i) => worker(s, i)),
    ),
    ...Array.from({ length: instances }, (_, i) => projector(i)),
  ];
  // With BENCH_CPU_PROFILE_DIR, each child profiles itself (bench/cpu-profile.ts).
  for (const c of all) c.spec.nodeOptions = cpuProfileOptions(`${instances}-${c.name}`);
  return all;
}

/** `order.events` and its dead-letter topic, empty, with the bench's partitions. */
async function recreateEventTopics(admin: Admin, brokers: string[]): Promise<void> {
  const topics = [ORDER_EVENTS_TOPIC, deadLetterTopic(ORDER_EVENTS_TOPIC)];
  await deleteTopics(admin, topics);
  await ensureTopics(brokers, requiredTopics(PARTITIONS), () => undefined);
}

/** Deletes the topics and waits until the broker no longer lists them (deletion is async). */
async function deleteTopics(admin: Admin, topics: string[]): Promise<void> {
  const present = (await admin.listTopics()).filter((t) => topics.includes(t));
  if (present.length === 0) return;
  await admin.deleteTopics({ topics: present });
  for (let i = 0; i < 100; i++) {
    if (!(await admin.listTopics()).some((t) => topics.includes(t))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`topics ${present.join(', ')} still listed 20 s after their deletion`);
}

/** Partitions assigned to each member of the projectors' group now, `0+1/2`. */
async function assignedPartitions(admin: Admin): Promise<string> {
  const { groups } = await admin.describeGroups([PROJECTOR_GROUP_ID]);
  return (groups[0]?.members ?? [])
    .map((m) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      const partitions = assignment?.assignment[ORDER_EVENTS_TOPIC] ?? [];
      return [...partitions].sort().join('+') || '-';
    })
    .join('/');
}

/** Runs the children under the supervisor until every one is ready; kills them if we exit. */
async function superviseChildren(
  list: readonly Child[],
  baseEnv: NodeJS.ProcessEnv,
  onProgress: (text: string) => void,
  onLog: (line: string) => void,
): Promise<{ supervisor: Supervisor; restarts: () => number; stop(): Promise<void> }> {
  let restarts = 0;
  const supervisor = new Supervisor(
    list.map((c) => c.spec),
    {
      cwd: ROOT,
      baseEnv,
      stdout: 'stderr',
      log: (line) => {
        if (/ exited \(/.test(line)) {
          restarts++;
          onLog(line);
        } else onProgress(line);
      },
    },
  );
  // Last resort: a bench that exits (a failure, a signal) leaves no process behind.
  const killAll = () => {
    for (const pid of Object.values(supervisor.pids())) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', killAll);
  const stop = async () => {
    await supervisor.stop();
    process.off('exit', killAll);
  };
  supervisor.start();
  try {
    const waiting = () =>
      supervisor
        .readiness()
        .filter((p) => !p.readiness.ready)
        .map((p) => `${p.name}: ${p.readiness.ready ? 'ready' : p.readiness.status}`)
        .join('; ');
    await withTimeout(
      supervisor.whenAllReady(() => onProgress(`waiting for ${waiting()}`), 3_000),
      READY_LIMIT_MS,
      'the system processes to be ready',
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)} (${waiting()})`);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { supervisor, restarts: () => restarts, stop };
}

/** Counts of one child's exposition: its requests, and its instance counters. */
async function childCounts(
  child: Child,
  index: { orders: number; projector: number },
  dbRole: (db: string) => string,
): Promise<Record<string, number>> {
  const samples = await scrape(child.metricsUrl);
  const kind = processKind(child.name);
  const counts = requestCounts(samples, dbRole, () => kind);
  if (kind === SYSTEM_PROCESSES.orders.process) {
    const la = samples.find((s) => /local_activity_total$/.test(s.name))?.name;
    counts[`instance_tasks:${index.orders++}`] = la ? total(samples, la) : Number.NaN;
  }
  if (kind === 'projector') {
    const applied = sumBy(samples, 'order_projection_events_total', (l) => l.outcome);
    counts[`instance_applied:${index.projector++}`] = applied.get('applied') ?? 0;
  }
  return counts;
}

/** Everything a row started, stopped in reverse order (best effort each). */
function cleanupStack() {
  const steps: (() => Promise<unknown>)[] = [];
  return {
    push: (step: () => Promise<unknown>) => steps.push(step),
    async run() {
      for (const step of steps.splice(0).reverse()) await step().catch(() => undefined);
    },
  };
}

export async function startDeployedBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const { servers } = options;
  if (!servers.startedHere.includes('kafka'))
    throw new Error(
      'the deployed shape recreates the `order.events` topic, so it runs only on a Kafka the bench started: unset KAFKA_BROKERS, or use --shape in-process',
    );
  const cleanup = cleanupStack();
  try {
    return await start(options, cleanup);
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

async function start(
  options: BenchSystemOptions,
  cleanup: ReturnType<typeof cleanupStack>,
): Promise<BenchSystem> {
  const { servers } = options;
  const logger = createLogger(`bench-${options.name}`, process.env.BENCH_LOG_LEVEL ?? 'fatal');
  const connection = await Connection.connect({ address: servers.temporalAddress });
  cleanup.push(() => connection.close());
  const benchMetrics = new Registry();
  const kafka = createKafka({
    brokers: servers.kafkaBrokers,
    clientId: 'bench-observer',
    logger,
    metrics: benchMetrics,
  });
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  const mongo = await MongoClient.connect(servers.mongoUrl);
  cleanup.push(() => mongo.close());
  const resources = await createIsolatedResources(
    connection,
    servers.kafkaBrokers,
    `bench-${options.name}`,
    PARTITIONS,
  );
  cleanup.push(() => removeIsolatedResources({ mongo, kafka }, resources));
  await recreateEventTopics(admin, servers.kafkaBrokers);
  cleanup.push(() =>
    deleteTopics(admin, [ORDER_EVENTS_TOPIC, deadLetterTopic(ORDER_EVENTS_TOPIC)]),
  );
  cleanup.push(() => admin.deleteGroups([PROJECTOR_GROUP_ID]));
  options.phases?.mark('resources');

  const jwtSecret = randomBytes(32).toString('hex');
  const list = await children(options.orderWorkers, jwtSecret);
  const supervised = await superviseChildren(
    list,
    commonEnv(options, resources),
    (text) => options.onProgress?.(text),
    (line) => options.onLog?.(line),
  );
  cleanup.push(() => supervised.stop());
  options.phases?.mark('processes');

  return connect(options, {
    kafka,
    benchMetrics,
    admin,
    mongo,
    connection,
    resources,
    list,
    supervised,
    jwtSecret,
    cleanup,
  });
}

/** The bench's view of the running processes: observer, commit poller, counters. */
async function connect(
  options: BenchSystemOptions,
  ctx: {
    kafka: Kafka;
    benchMetrics: Registry;
    admin: Admin;
    mongo: MongoClient;
    connection: Connection;
    resources: IsolatedResources;
    list: readonly Child[];
    supervised: Awaited<ReturnType<typeof superviseChildren>>;
    jwtSecret: string;
    cleanup: ReturnType<typeof cleanupStack>;
  },
): Promise<BenchSystem> {
  const { kafka, admin, resources, list, supervised, cleanup } = ctx;
  const observer = await observeTopic(kafka, ORDER_EVENTS_TOPIC);
  cleanup.push(() => observer.stop());
  const commits: CommitMark[] = [];
  const poller = await pollCommits(kafka, PROJECTOR_GROUP_ID, ORDER_EVENTS_TOPIC, commits);
  cleanup.push(() => poller.stop());
  // The processes stop first: a Ctrl-C reaches them too, and until it is stopping the
  // supervisor would start them again.
  cleanup.push(() => supervised.stop());
  options.phases?.mark('observer');

  const dbRole = dbRoleOf(resources.dbs);
  const cpu = () => {
    const { node, ...rest } = options.servers.cpu();
    const own = pidsCpu(supervised.supervisor.pids());
    return { bench: node, ...rest, ...own };
  };
  return {
    shape: 'deployed',
    apiUrl: `http://127.0.0.1:${list[0].spec.env?.PORT}`,
    namespace: resources.namespace,
    readDb: resources.dbs.read,
    temporal: new Client({ connection: ctx.connection, namespace: resources.namespace }),
    mongo: ctx.mongo,
    jwtSecret: ctx.jwtSecret,
    observed: observer.observed,
    commits,
    cpu,
    async snapshot() {
      const index = { orders: 0, projector: 0 };
      const counts: Record<string, number> = {};
      for (const child of list)
        for (const [k, n] of Object.entries(await childCounts(child, index, dbRole)))
          counts[k] = (counts[k] ?? 0) + n;
      // This process runs none of the saga's workflows (its runtime, idle, may even be down).
      Object.assign(counts, await benchKafkaCounts(ctx.benchMetrics));
      counts['process_restarts:'] = supervised.restarts();
      // Last: what the scrapes cost the processes is not in a window that starts here.
      return { cpu: cpu(), counts };
    },
    shares: async (before, after) => ({
      order_worker_tasks: perInstance(before, after, 'tasks', options.orderWorkers),
      projector_partitions: await assignedPartitions(admin),
      projector_applied: perInstance(before, after, 'applied', options.projectors),
    }),
    stop: () => cleanup.run(),
  };
}
