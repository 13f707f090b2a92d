import { performance } from 'node:perf_hooks';
import { NativeConnection, Worker } from '@temporalio/worker';
import { EVENT_OWNER } from '../contracts/events';
import type { OrderEventType } from '../contracts/events';
import type { OrderStatus, PlaceOrder } from '../contracts/order';
import { orderWorkflowId } from '../contracts/order';
import { TASK_QUEUES } from '../contracts/services';
import type { CustomerStats, OrderView, SkuSales } from '../contracts/read-models';
import { READ_MODEL_COLLECTIONS } from '../contracts/read-models';
import { devToken } from '../scripts/token';
import { orderInput } from '../testing/fake-services';
import { getOrderStateQuery } from '../workflows/messages';
import { bareActivities } from './bare/activities';
import { benchBundle } from './bundle';
import { addHistory, emptyBreakdown, formatBreakdown } from './history';
import { call } from './http';
import { projectionLags } from './lag';
import { phaseTimer, type Phases } from './phases';
import { runPool, withTimeout } from './pool';
import type { Progress } from './progress';
import type { BenchResult } from './report';
import { ratioOf } from './report';
import type { BenchServers } from './servers';
import { cpuPerUnit } from './cpu';
import { summarize } from './stats';
import { startBenchSystem, type BenchSystem } from './system';
import type { bareWorkflow } from './bare/workflows';

// Benchmark 1 (and its scaling runs, benchmark 5): orders through the API until every read
// model is final, against a bare workflow with the happy path's activities as no-ops.

const FINAL: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED', 'COMPENSATION_FAILED'];
const CUSTOMERS = 10;

export interface SagaOptions {
  servers: BenchServers;
  instances: number;
  orders: number;
  concurrency: number;
  progress: Progress;
}

/** The sample order of the saga kit, for the bench's two catalog SKUs; the API assigns its id. */
function order(customerId: string): PlaceOrder {
  const { orderId, ...command } = orderInput({
    customerId,
    items: [
      { sku: 'KETTLE', quantity: 1 },
      { sku: 'TEAPOT', quantity: 2 },
    ],
    currency: 'EUR',
  });
  void orderId; // the saga kit's own id; POST /orders refuses one
  return command;
}

interface Placed {
  orderId: string;
  view: OrderView;
  ms: number;
}

/** POST one order, then long-poll its read model (minVersion) until the status is final. */
async function placeAndAwaitFinal(
  system: BenchSystem,
  token: string,
  customerId: string,
): Promise<Placed> {
  const started = performance.now();
  const placed = await call<{ orderId: string; version: number }>(
    `${system.apiUrl}/orders`,
    'POST',
    token,
    order(customerId),
  );
  if (placed.status !== 202) throw new Error(`POST /orders answered ${placed.status}`);
  const { orderId } = placed.body;
  let version = placed.body.version;
  for (;;) {
    const res = await call<OrderView>(
      `${system.apiUrl}/orders/${orderId}?minVersion=${version}&timeoutMs=5000`,
      'GET',
      token,
    );
    if (res.status !== 200 && res.status !== 404)
      throw new Error(`GET /orders/${orderId} answered ${res.status}`);
    if (res.status === 200) {
      if (FINAL.includes(res.body.status))
        return { orderId, view: res.body, ms: performance.now() - started };
      version = res.body.version + 1;
    }
  }
}

/** `count` orders, `concurrency` at a time, each awaited until final; in completion order. */
async function placeWave(
  system: BenchSystem,
  tokens: readonly string[],
  count: number,
  concurrency: number,
  onFinal?: (done: number) => void,
): Promise<Placed[]> {
  const placed: Placed[] = [];
  await runPool(count, concurrency, async (i) => {
    placed.push(await placeAndAwaitFinal(system, tokens[i % CUSTOMERS], `bench-c${i % CUSTOMERS}`));
    onFinal?.(placed.length);
  });
  return placed;
}

/** One activity the happy path schedules: its type and task queue. */
interface ScheduledActivity {
  type: string;
  queue: string;
}

/** The business steps of the happy path in order (price, reserve, authorize, ship, capture). */
async function businessSteps(system: BenchSystem, orderId: string): Promise<ScheduledActivity[]> {
  const history = await system.temporal.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    const type = a?.activityType?.name ?? '?';
    const queue = a?.taskQueue?.name;
    // Orders started before the local-event-publishing patch also scheduled their events here.
    return queue && type !== 'publishOrderEvent' ? [{ type, queue }] : [];
  });
}

/**
 * The first baseline's activities: the business steps plus one per event the order published,
 * on its owner's queue, as the saga scheduled them before events became local activities. It
 * stays what it was so the figures of earlier runs remain comparable.
 */
function withEventActivities(
  steps: readonly ScheduledActivity[],
  events: readonly { type: string }[],
): ScheduledActivity[] {
  return [
    ...steps,
    ...events.map((e) => {
      if (!(e.type in EVENT_OWNER)) throw new Error(`unknown event type ${e.type}`);
      const owner = EVENT_OWNER[e.type as OrderEventType];
      return { type: 'publishOrderEvent', queue: TASK_QUEUES[owner] };
    }),
  ];
}

/** Nothing applied twice or missed: versions equal the saga's event counts, aggregates exact. */
async function checkReadModels(system: BenchSystem, placed: readonly Placed[]) {
  let versionMismatches = 0;
  let found = 0;
  await runPool(placed.length, 8, async (i) => {
    const p = placed[i];
    const state = await system.temporal.workflow
      .getHandle(orderWorkflowId(p.orderId))
      .query(getOrderStateQuery);
    const doc = await system.mongo
      .db(system.readDb)
      .collection<OrderView & { _id: string }>(READ_MODEL_COLLECTIONS.orders)
      .findOne({ _id: p.orderId });
    if (doc) found++;
    const timeline = doc?.timeline.map((t) => t.sequence).join(',');
    const expected = Array.from({ length: state.version }, (_, k) => k + 1).join(',');
    if (!doc || doc.version !== state.version || timeline !== expected) versionMismatches++;
  });

  const db = system.mongo.db(system.readDb);
  const orders = await db
    .collection<OrderView & { _id: string }>(READ_MODEL_COLLECTIONS.orders)
    .find({})
    .toArray();
  const want = new Map<string, { byStatus: Map<string, number>; spent: number }>();
  const wantSku = new Map<string, { units: number; revenue: number }>();
  for (const o of orders) {
    const c = want.get(o.customerId) ?? { byStatus: new Map<string, number>(), spent: 0 };
    c.byStatus.set(o.status, (c.byStatus.get(o.status) ?? 0) + 1);
    if (o.status === 'COMPLETED') {
      c.spent += o.total ?? 0;
      for (const item of o.items) {
        const s = wantSku.get(item.sku) ?? { units: 0, revenue: 0 };
        s.units += item.quantity;
        s.revenue += 'lineTotal' in item ? item.lineTotal : 0;
        wantSku.set(item.sku, s);
      }
    }
    want.set(o.customerId, c);
  }
  let aggregateMismatches = 0;
  for (const s of await db
    .collection<CustomerStats>(READ_MODEL_COLLECTIONS.customerStats)
    .find({})
    .toArray()) {
    const c = want.get(s.customerId);
    const nonZero = Object.entries(s.ordersByStatus).filter(([, n]) => n !== 0);
    const same =
      c !== undefined &&
      c.spent === s.totalSpent &&
      nonZero.length === c.byStatus.size &&
      nonZero.every(([k, n]) => c.byStatus.get(k) === n);
    if (!same) aggregateMismatches++;
    want.delete(s.customerId);
  }
  for (const s of await db
    .collection<SkuSales>(READ_MODEL_COLLECTIONS.skuSales)
    .find({})
    .toArray()) {
    const w = wantSku.get(s.sku);
    if (!w || w.units !== s.unitsSold || w.revenue !== s.revenue) aggregateMismatches++;
    wantSku.delete(s.sku);
  }
  aggregateMismatches += want.size + wantSku.size;
  return { versionMismatches, aggregateMismatches, readModels: found };
}

/** Where up to 20 of these workflows spent their time, from their histories. */
async function breakdown(system: BenchSystem, workflowIds: readonly string[]): Promise<string> {
  const b = emptyBreakdown();
  for (const id of workflowIds.slice(0, 20)) {
    const history = await system.temporal.workflow.getHandle(id).fetchHistory();
    addHistory(b, history.events ?? []);
  }
  return formatBreakdown(b);
}

/** N bare workflows at the same concurrency, on workers set up as the saga's are. */
async function runBare(
  system: BenchSystem,
  servers: BenchServers,
  opts: SagaOptions,
  queues: readonly string[],
  phases: Phases,
  name = 'bare',
): Promise<{
  seconds: number;
  latencies: number[];
  workflowIds: string[];
  cpuPerWorkflow: string;
}> {
  const bare = (q: string) => `bench-${name}-${q}`;
  const workflowBundle = await benchBundle();
  const distinct = [...new Set(queues)];
  // The saga's shape, as runWorker builds it: one connection per worker, `instances` workflow
  // workers on the orders queue (which also run that queue's activities), one worker per other
  // activity queue, Worker defaults. (Temporal refuses two workers of one queue on one
  // connection, which is also why each order worker of the saga has its own.)
  const specs = [
    ...Array.from({ length: opts.instances }, () => ({ queue: 'orders', workflows: true })),
    ...distinct.filter((q) => q !== 'orders').map((queue) => ({ queue, workflows: false })),
  ];
  const connections: NativeConnection[] = [];
  const workers = await Promise.all(
    specs.map(async (spec) => {
      const connection = await NativeConnection.connect({ address: servers.temporalAddress });
      connections.push(connection);
      return Worker.create({
        connection,
        namespace: system.namespace,
        taskQueue: bare(spec.queue),
        activities: bareActivities,
        ...(spec.workflows && { workflowBundle }),
      });
    }),
  );
  const running = workers.map((w) => w.run());
  const latencies: number[] = [];
  const workflowIds: string[] = [];
  const execute = (workflowId: string) =>
    system.temporal.workflow.execute<typeof bareWorkflow>('bareWorkflow', {
      taskQueue: bare('orders'),
      workflowId,
      args: [queues.map(bare)],
    });
  phases.mark(`${name}_setup`);
  let started = performance.now();
  let cpuPerWorkflow = '';
  try {
    // One unmeasured wave at the measured concurrency first, as the saga gets one (measure).
    await runPool(opts.concurrency, opts.concurrency, async (i) => {
      await execute(`bench-${name}-warmup-${i}-${Date.now()}`);
    });
    phases.mark(`${name}_warmup`);
    started = performance.now();
    const cpuBefore = servers.cpu();
    await runPool(opts.orders, opts.concurrency, async (i) => {
      const t = performance.now();
      const workflowId = `bench-${name}-${i}-${Date.now()}`;
      workflowIds.push(workflowId);
      await execute(workflowId);
      latencies.push(performance.now() - t);
      opts.progress.update(latencies.length, opts.orders, `${name} workflows`);
    });
    cpuPerWorkflow = cpuPerUnit(cpuBefore, servers.cpu(), opts.orders);
  } finally {
    phases.mark(name);
    for (const w of workers) w.shutdown();
    await Promise.allSettled(running);
    for (const c of connections) await c.close();
    phases.mark(`${name}_teardown`);
  }
  return { seconds: (performance.now() - started) / 1000, latencies, workflowIds, cpuPerWorkflow };
}

export interface SagaBench {
  /**
   * One row: `opts.instances` order workers and projectors, on a system of its own (namespace,
   * topic, databases). A row never inherits another's data: FerretDB's writes get slower as its
   * collections grow, so a second row on the first one's databases would not be comparable.
   */
  run(opts: SagaOptions): Promise<BenchResult>;
  /** Stops the system of a row still running (idempotent); for an interrupted run. */
  stop(): Promise<void>;
}

export function createSagaBench(): SagaBench {
  let system: BenchSystem | undefined;
  const stop = async () => {
    const running = system;
    system = undefined;
    await running?.stop();
  };
  return {
    stop,
    async run(opts) {
      const phases = phaseTimer();
      let result: BenchResult;
      try {
        system = await startBenchSystem({
          servers: opts.servers,
          name: 'saga',
          orderWorkers: opts.instances,
          projectors: opts.instances,
          phases,
        });
        const tokens = await seed(system);
        phases.mark('inventory_tokens');
        result = await measure(system, tokens, opts, phases);
      } finally {
        await stop();
        phases.mark('teardown');
      }
      result.details.phase_seconds = phases.summary();
      return result;
    },
  };
}

/** Stock for the saga's SKUs and a token per customer. */
async function seed(system: BenchSystem): Promise<string[]> {
  const support = await devToken({
    sub: 'bench-support',
    scope: 'orders:read orders:write orders:support',
    ttlSeconds: 3600,
    secret: system.jwtSecret,
  });
  for (const [sku, unitPrice] of [
    ['KETTLE', 2_500],
    ['TEAPOT', 1_200],
  ] as const) {
    const res = await call(`${system.apiUrl}/inventory/${sku}`, 'PUT', support, {
      name: sku.toLowerCase(),
      unitPrice,
      available: 1_000_000,
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`PUT /inventory answered ${res.status}`);
  }
  return Promise.all(
    Array.from({ length: CUSTOMERS }, (_, i) =>
      devToken({
        sub: `bench-c${i}`,
        scope: 'orders:write orders:read',
        ttlSeconds: 3600,
        secret: system.jwtSecret,
      }),
    ),
  );
}

async function measure(
  system: BenchSystem,
  tokens: readonly string[],
  opts: SagaOptions,
  phases: Phases,
): Promise<BenchResult> {
  // One warm-up order (not measured): the happy path's history, which the baselines copy.
  const warm = await withTimeout(
    placeAndAwaitFinal(system, tokens[0], 'bench-c0'),
    60_000,
    'warm-up order',
  );
  if (warm.view.status !== 'COMPLETED') throw new Error(`warm-up order ended ${warm.view.status}`);
  const steps = await businessSteps(system, warm.orderId);
  const queues = withEventActivities(steps, warm.view.timeline).map((a) => a.queue);
  const businessQueues = steps.map((a) => a.queue);
  // Then one unmeasured wave at the measured concurrency, as each baseline gets one (runBare).
  // A fresh system's first burst opens connections (database pools, Kafka, Temporal) and runs
  // code paths one order never takes; measured, it would be start-up rather than the steady
  // state the rates compare. Its lag is reported on its own (warmup_lag_*).
  const waveStartedAt = Date.now();
  const wave = await withTimeout(
    placeWave(system, tokens, opts.concurrency, opts.concurrency),
    Math.max(60_000, opts.concurrency * 2_000),
    'warm-up wave',
  );
  phases.mark('warmup');

  // Per-instance counts and projection lag cover the measured orders only.
  system.resetCounters();
  const startedAt = Date.now();
  const started = performance.now();
  const cpuBefore = opts.servers.cpu();
  const loopBefore = performance.eventLoopUtilization();
  const placed = await withTimeout(
    placeWave(system, tokens, opts.orders, opts.concurrency, (done) =>
      opts.progress.update(done, opts.orders, 'orders final in read model'),
    ),
    Math.max(120_000, opts.orders * 2_000),
    'saga orders',
  );
  const sagaSeconds = (performance.now() - started) / 1000;
  // How busy the thread of the API, the workers, the observer and the load was.
  const mainLoopBusy = performance.eventLoopUtilization(loopBefore).utilization;
  const cpuPerOrder = cpuPerUnit(cpuBefore, opts.servers.cpu(), opts.orders);
  phases.mark('orders');
  const completed = placed.filter((p) => p.view.status === 'COMPLETED').length;

  opts.progress.update(undefined, undefined, 'checking read models against the sagas');
  const check = await checkReadModels(system, [warm, ...wave, ...placed]);
  const measured = system.observed.filter((e) => e.occurredAt >= startedAt);
  const warmupLag = summarize(
    projectionLags(
      system.observed.filter((e) => e.occurredAt >= waveStartedAt && e.occurredAt < startedAt),
      system.commits,
    ),
  );
  const lag = summarize(projectionLags(measured, system.commits));
  // The lag in two parts: from the fact to Kafka (the workflow task, the publish), and from
  // Kafka to the projector's commit.
  const toKafka = summarize(
    measured.map((e) => Math.max(0, (e.sentAt ?? e.occurredAt) - e.occurredAt)),
  );
  const inProjector = summarize(
    projectionLags(measured, system.commits, (e) => e.sentAt ?? e.occurredAt),
  );
  phases.mark('check');

  const bare = await withTimeout(
    runBare(system, opts.servers, opts, queues, phases),
    Math.max(120_000, opts.orders * 2_000),
    'bare workflows',
  );
  // The stricter baseline: one no-op per business step and no events, what the least
  // orchestration the order needs costs on these servers.
  const bare5 = await withTimeout(
    runBare(system, opts.servers, opts, businessQueues, phases, 'bare5'),
    Math.max(120_000, opts.orders * 2_000),
    'bare workflows (business steps only)',
  );
  const saga = summarize(placed.map((p) => p.ms));
  const bareLatency = summarize(bare.latencies);
  const bare5Latency = summarize(bare5.latencies);
  const bare5Rate = opts.orders / bare5.seconds;
  const sagaTime = await breakdown(
    system,
    placed.map((p) => orderWorkflowId(p.orderId)),
  );
  const bareTime = await breakdown(system, bare.workflowIds);
  phases.mark('histories');
  const sagaRate = opts.orders / sagaSeconds;
  const bareRate = opts.orders / bare.seconds;
  return {
    name: `saga x${opts.instances}`,
    subject: { label: 'saga via API', value: sagaRate, unit: 'orders/s' },
    baseline: {
      label: `bare wf, ${queues.length} no-op acts`,
      value: bareRate,
      unit: 'orders/s',
    },
    ratio: ratioOf(sagaRate, bareRate),
    alsoAgainst: [
      {
        baseline: {
          label: `bare wf, ${businessQueues.length} no-op acts (business steps only)`,
          value: bare5Rate,
          unit: 'orders/s',
        },
        ratio: ratioOf(sagaRate, bare5Rate),
      },
    ],
    details: {
      orders: opts.orders,
      concurrency: opts.concurrency,
      completed,
      p50_ms: saga.p50,
      p95_ms: saga.p95,
      p99_ms: saga.p99,
      bare_p50_ms: bareLatency.p50,
      bare_p99_ms: bareLatency.p99,
      bare5_p50_ms: bare5Latency.p50,
      bare5_p99_ms: bare5Latency.p99,
      // POST→final p50 against the business-steps workflow's start→end p50 (issue target ≤ 1.3).
      p50_vs_bare5_p50: saga.p50 / bare5Latency.p50,
      activities: queues.length,
      projection_lag_p50_ms: lag.p50,
      projection_lag_p99_ms: lag.p99,
      lag_to_kafka_p50_ms: toKafka.p50,
      lag_to_kafka_p99_ms: toKafka.p99,
      lag_in_projector_p50_ms: inProjector.p50,
      lag_in_projector_p99_ms: inProjector.p99,
      warmup_lag_p50_ms: warmupLag.p50,
      warmup_lag_p99_ms: warmupLag.p99,
      order_worker_tasks: system.orderWorkerTasks.join('/'),
      projector_partitions: system.projectorShares
        .map((s) => [...s.partitions].sort().join('+') || '-')
        .join('/'),
      projector_applied: system.projectorShares.map((s) => s.applied).join('/'),
      read_models: check.readModels,
      version_mismatches: check.versionMismatches,
      aggregate_mismatches: check.aggregateMismatches,
      // CPU per order (all processes, while the orders ran) against per 5-step bare workflow:
      // on busy cores the ratio against that baseline cannot beat the inverse of their totals.
      cpu_ms_per_order: cpuPerOrder,
      bare5_cpu_ms_per_workflow: bare5.cpuPerWorkflow,
      main_loop_busy: Number(mainLoopBusy.toFixed(2)),
      saga_history: sagaTime,
      bare_history: bareTime,
    },
  };
}
