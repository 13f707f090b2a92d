import { performance } from 'node:perf_hooks';
import { orderWorkflowId } from '../contracts/order';
import { costPerUnit, costTable } from './cost';
import { cpuDelta, cpuPerUnit } from './cpu';
import { recordProfileWindow } from './cpu-profile';
import { startDeployedBenchSystem } from './deployed';
import {
  addHistory,
  countTasks,
  emptyBreakdown,
  formatBreakdown,
  type TaskCounts,
} from './history';
import { projectionLags } from './lag';
import { phaseTimer, type Phases } from './phases';
import { runPool, withTimeout } from './pool';
import type { Progress } from './progress';
import type { BenchResult } from './report';
import { ratioOf } from './report';
import { runBare, type BareRun } from './saga-bare';
import {
  awaitClosed,
  businessSteps,
  checkReadModels,
  placeAndAwaitFinal,
  placeWave,
  seed,
  withEventActivities,
  type Placed,
} from './saga-orders';
import type { BenchServers } from './servers';
import { summarize } from './stats';
import {
  startInProcessBenchSystem,
  type BenchSystem,
  type InstanceShares,
  type SagaShape,
} from './system';

// Benchmark 1 (and its scaling runs, benchmark 5): orders through the API until every read
// model is final, against a bare workflow with the happy path's activities as no-ops; and what
// an order costs against what a 5-step bare workflow costs (bench/cost.ts).

export interface SagaOptions {
  servers: BenchServers;
  /** The system as separate processes (`deployed`) or in this process (`in-process`). */
  shape: SagaShape;
  instances: number;
  orders: number;
  concurrency: number;
  progress: Progress;
  /** The bench's Temporal runtime metrics (activations of the workflows run here). */
  runtimeMetricsUrl?: string;
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
        const start =
          opts.shape === 'deployed' ? startDeployedBenchSystem : startInProcessBenchSystem;
        system = await start({
          servers: opts.servers,
          name: 'saga',
          orderWorkers: opts.instances,
          projectors: opts.instances,
          runtimeMetricsUrl: opts.runtimeMetricsUrl,
          phases,
          onProgress: (text) => opts.progress.update(undefined, undefined, text),
          onLog: (line) => opts.progress.log(line),
        });
        const tokens = await seed(system);
        phases.mark('inventory_tokens');
        result = await measure(system, tokens, opts, phases);
        if (system.shape === 'deployed')
          result.details.process_cpu_seconds = processCpu(system, opts.servers);
      } finally {
        await stop();
        phases.mark('teardown');
      }
      result.details.phase_seconds = phases.summary();
      return result;
    },
  };
}

/** `worker-orders=12.3 api=4.1 …`: each system process's CPU seconds since it started. */
function processCpu(system: BenchSystem, servers: BenchServers): string {
  const others = servers.cpu();
  const own = Object.entries(system.cpu()).filter(([k]) => !(k in others) && k !== 'bench');
  return cpuDelta(Object.fromEntries(own.map(([k]) => [k, 0])), Object.fromEntries(own));
}

interface WarmUp {
  order: Placed;
  wave: Placed[];
  waveStartedAt: number;
  /** Task queues of the 12-activity baseline and of the 5 business steps. */
  queues: string[];
  businessQueues: string[];
}

/** One order (its history gives the baselines their steps), then one unmeasured wave. */
async function warmUp(
  system: BenchSystem,
  tokens: readonly string[],
  opts: SagaOptions,
): Promise<WarmUp> {
  const order = await withTimeout(
    placeAndAwaitFinal(system, tokens[0], 'bench-c0'),
    60_000,
    'warm-up order',
  );
  if (order.view.status !== 'COMPLETED')
    throw new Error(`warm-up order ended ${order.view.status}`);
  const steps = await businessSteps(system, order.orderId);
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
  // Their last activations are not the measured orders' work.
  await awaitClosed(system, [order, ...wave]);
  return {
    order,
    wave,
    waveStartedAt,
    queues: withEventActivities(steps, order.view.timeline).map((a) => a.queue),
    businessQueues: steps.map((a) => a.queue),
  };
}

interface MeasuredOrders {
  placed: Placed[];
  startedAt: number;
  seconds: number;
  mainLoopBusy: number;
  cpuPerOrder: string;
  /** Per order: `cpu_ms:…`, `mongo_commands:…`, `kafka_requests:…`, `workflow_activations:…`. */
  cost: Record<string, number>;
  shares: InstanceShares;
  restarts?: number;
}

/** The measured orders, with every counter read before and after them. */
async function measureOrders(
  system: BenchSystem,
  tokens: readonly string[],
  opts: SagaOptions,
): Promise<MeasuredOrders> {
  const before = await system.snapshot();
  const startedAt = Date.now();
  const started = performance.now();
  const loopBefore = performance.eventLoopUtilization();
  const placed = await withTimeout(
    placeWave(system, tokens, opts.orders, opts.concurrency, (done) =>
      opts.progress.update(done, opts.orders, 'orders final in read model'),
    ),
    Math.max(120_000, opts.orders * 2_000),
    'saga orders',
  );
  const seconds = (performance.now() - started) / 1000;
  // How busy this process's thread was: in-process the API, the workers, the observer and the
  // load; deployed the load and the observer.
  const mainLoopBusy = performance.eventLoopUtilization(loopBefore).utilization;
  const cpuAfter = system.cpu();
  await awaitClosed(system, placed);
  const after = { ...(await system.snapshot()), cpu: cpuAfter };
  return {
    placed,
    startedAt,
    seconds,
    mainLoopBusy,
    cpuPerOrder: cpuPerUnit(before.cpu, cpuAfter, opts.orders),
    cost: costPerUnit(before, after, opts.orders),
    shares: await system.shares(before, after),
    restarts: after.counts['process_restarts:'],
  };
}

/** Projection lag of the measured orders (whole, and in its two parts) and of the warm-up wave. */
function lagDetails(system: BenchSystem, waveStartedAt: number, startedAt: number) {
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
  return {
    projection_lag_p50_ms: lag.p50,
    projection_lag_p99_ms: lag.p99,
    lag_to_kafka_p50_ms: toKafka.p50,
    lag_to_kafka_p99_ms: toKafka.p99,
    lag_in_projector_p50_ms: inProjector.p50,
    lag_in_projector_p99_ms: inProjector.p99,
    warmup_lag_p50_ms: warmupLag.p50,
    warmup_lag_p99_ms: warmupLag.p99,
  };
}

/** The two baselines: the 12-activity bare workflow, and the stricter 5 business steps. */
async function runBaselines(
  system: BenchSystem,
  opts: SagaOptions,
  warm: WarmUp,
  phases: Phases,
): Promise<{ bare: BareRun; bare5: BareRun }> {
  const bareOpts = {
    instances: opts.instances,
    orders: opts.orders,
    concurrency: opts.concurrency,
    temporalAddress: opts.servers.temporalAddress,
    runtimeMetricsUrl: opts.runtimeMetricsUrl,
    progress: opts.progress,
  };
  const limit = Math.max(120_000, opts.orders * 2_000);
  const bare = await withTimeout(
    runBare(system, bareOpts, warm.queues, phases),
    limit,
    'bare workflows',
  );
  // The stricter baseline: one no-op per business step and no events, what the least
  // orchestration the order needs costs on these servers.
  const bare5 = await withTimeout(
    runBare(system, bareOpts, warm.businessQueues, phases, 'bare5'),
    limit,
    'bare workflows (business steps only)',
  );
  return { bare, bare5 };
}

/**
 * From the workflows' histories: where up to 20 of them spent their time, and (all of them,
 * when `countAll`) their workflow tasks and local activities per workflow.
 */
async function histories(
  system: BenchSystem,
  workflowIds: readonly string[],
  countAll: boolean,
): Promise<{ breakdown: string; tasks: TaskCounts }> {
  const b = emptyBreakdown();
  const tasks: TaskCounts = { workflowTasks: 0, localActivities: 0 };
  const ids = countAll ? workflowIds : workflowIds.slice(0, 20);
  await runPool(ids.length, 8, async (i) => {
    const history = await system.temporal.workflow.getHandle(ids[i]).fetchHistory();
    const events = history.events ?? [];
    if (i < 20) addHistory(b, events);
    const c = countTasks(events);
    tasks.workflowTasks += c.workflowTasks / ids.length;
    tasks.localActivities += c.localActivities / ids.length;
  });
  return { breakdown: formatBreakdown(b), tasks };
}

/** A cost column: CPU, requests and the activations of `workflowType`, plus history counts. */
function costColumn(
  perUnit: Record<string, number>,
  workflowType: string,
  tasks: TaskCounts,
  requests: boolean,
): Record<string, number> {
  const column: Record<string, number> = {};
  const kept = requests ? /^(cpu_ms|mongo_commands|kafka_requests):/ : /^cpu_ms:/;
  for (const [key, x] of Object.entries(perUnit)) {
    if (kept.test(key)) column[key] = x;
    // Absent where not counted: the deployed order workers bundle their own workflow code.
    if (key.startsWith(`workflow_activations:${workflowType} `))
      column['activations:'] = (column['activations:'] ?? 0) + x;
  }
  column['workflow_tasks:'] = tasks.workflowTasks;
  column['local_activities:'] = tasks.localActivities;
  return column;
}

async function measure(
  system: BenchSystem,
  tokens: readonly string[],
  opts: SagaOptions,
  phases: Phases,
): Promise<BenchResult> {
  const warm = await warmUp(system, tokens, opts);
  phases.mark('warmup');
  const startNs = process.hrtime.bigint();
  const run = await measureOrders(system, tokens, opts);
  phases.mark('orders');
  recordProfileWindow({
    row: `saga x${opts.instances} ${opts.shape}`,
    startNs: String(startNs),
    endNs: String(process.hrtime.bigint()),
    orders: run.placed.length,
  });
  opts.progress.update(undefined, undefined, 'checking read models against the sagas');
  const check = await checkReadModels(system, [warm.order, ...warm.wave, ...run.placed]);
  const lags = lagDetails(system, warm.waveStartedAt, run.startedAt);
  phases.mark('check');
  const { bare, bare5 } = await runBaselines(system, opts, warm, phases);
  opts.progress.update(undefined, undefined, 'reading the workflows’ histories');
  const ids = run.placed.map((p) => orderWorkflowId(p.orderId));
  const saga = await histories(system, ids, true);
  const bareTime = await histories(system, bare.workflowIds, false);
  const bare5Tasks = await histories(system, bare5.workflowIds, true);
  phases.mark('histories');
  return sagaResult(
    opts,
    { system, warm, run, check, lags, bare, bare5 },
    {
      cost: costTable(
        ['saga order', 'bare5 workflow'],
        [
          costColumn(run.cost, 'orderSaga', saga.tasks, true),
          costColumn(bare5.cost, 'bareWorkflow', bare5Tasks.tasks, false),
        ],
      ),
      sagaHistory: saga.breakdown,
      bareHistory: bareTime.breakdown,
    },
  );
}

/** The row: rates, ratios and details. */
function sagaResult(
  opts: SagaOptions,
  m: {
    system: BenchSystem;
    warm: WarmUp;
    run: MeasuredOrders;
    check: Awaited<ReturnType<typeof checkReadModels>>;
    lags: ReturnType<typeof lagDetails>;
    bare: BareRun;
    bare5: BareRun;
  },
  extra: { cost: BenchResult['cost']; sagaHistory: string; bareHistory: string },
): BenchResult {
  const { warm, run, check, bare, bare5 } = m;
  const saga = summarize(run.placed.map((p) => p.ms));
  const bareLatency = summarize(bare.latencies);
  const bare5Latency = summarize(bare5.latencies);
  const [sagaRate, bareRate, bare5Rate] = [run, bare, bare5].map((r) => opts.orders / r.seconds);
  return {
    name: `saga x${opts.instances} ${opts.shape}`,
    subject: { label: 'saga via API', value: sagaRate, unit: 'orders/s' },
    baseline: {
      label: `bare wf, ${warm.queues.length} no-op acts`,
      value: bareRate,
      unit: 'orders/s',
    },
    ratio: ratioOf(sagaRate, bareRate),
    alsoAgainst: [
      {
        baseline: {
          label: `bare wf, ${warm.businessQueues.length} no-op acts (business steps only)`,
          value: bare5Rate,
          unit: 'orders/s',
        },
        ratio: ratioOf(sagaRate, bare5Rate),
      },
    ],
    details: {
      shape: opts.shape,
      orders: opts.orders,
      concurrency: opts.concurrency,
      completed: run.placed.filter((p) => p.view.status === 'COMPLETED').length,
      p50_ms: saga.p50,
      p95_ms: saga.p95,
      p99_ms: saga.p99,
      bare_p50_ms: bareLatency.p50,
      bare_p99_ms: bareLatency.p99,
      bare5_p50_ms: bare5Latency.p50,
      bare5_p99_ms: bare5Latency.p99,
      // POST→final p50 against the business-steps workflow's start→end p50 (issue target ≤ 1.3).
      p50_vs_bare5_p50: saga.p50 / bare5Latency.p50,
      activities: warm.queues.length,
      ...m.lags,
      ...run.shares,
      read_models: check.readModels,
      version_mismatches: check.versionMismatches,
      aggregate_mismatches: check.aggregateMismatches,
      // CPU per order (all processes, while the orders ran) against per 5-step bare workflow:
      // on busy cores the ratio against that baseline cannot beat the inverse of their totals.
      cpu_ms_per_order: run.cpuPerOrder,
      bare5_cpu_ms_per_workflow: bare5.cpuPerWorkflow,
      main_loop_busy: Number(run.mainLoopBusy.toFixed(2)),
      // The bench's own (observer; deployed, the commit poller too), not in the cost table.
      bench_kafka_requests_per_order: Object.entries(run.cost)
        .filter(([key]) => key.startsWith('bench_kafka_requests:'))
        .reduce((sum, [, n]) => sum + n, 0),
      ...(run.restarts !== undefined && { process_restarts: run.restarts }),
      saga_history: extra.sagaHistory,
      bare_history: extra.bareHistory,
    },
    cost: extra.cost,
  };
}
