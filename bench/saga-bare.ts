import { performance } from 'node:perf_hooks';
import { NativeConnection, Worker } from '@temporalio/worker';
import { bareActivities } from './bare/activities';
import type { bareWorkflow } from './bare/workflows';
import { benchBundle } from './bundle';
import { costPerUnit, type CostSnapshot } from './cost';
import { cpuPerUnit } from './cpu';
import type { Phases } from './phases';
import { runPool } from './pool';
import type { Progress } from './progress';
import { runtimeActivations, type BenchSystem } from './system';

// The saga rows' baselines: a bare workflow with the happy path's activities as no-ops, run in
// this process on workers set up as the saga's order workers are, in the row's namespace.

export interface BareOptions {
  instances: number;
  orders: number;
  concurrency: number;
  temporalAddress: string;
  runtimeMetricsUrl?: string;
  progress: Progress;
}

export interface BareRun {
  seconds: number;
  latencies: number[];
  workflowIds: string[];
  /** `total=… node=…`: CPU ms per workflow by process. */
  cpuPerWorkflow: string;
  /** Per workflow: `cpu_ms:<process>` and `workflow_activations:<type> <queue>` (bench/cost.ts). */
  cost: Record<string, number>;
}

/** The workers: `instances` workflow workers on the orders queue, one per other queue. */
async function startBareWorkers(
  system: BenchSystem,
  opts: BareOptions,
  queues: readonly string[],
  bare: (q: string) => string,
) {
  const workflowBundle = await benchBundle();
  // The saga's shape, as runWorker builds it: one connection per worker, `instances` workflow
  // workers on the orders queue (which also run that queue's activities), one worker per other
  // activity queue, Worker defaults. (Temporal refuses two workers of one queue on one
  // connection, which is also why each order worker of the saga has its own.)
  const specs = [
    ...Array.from({ length: opts.instances }, () => ({ queue: 'orders', workflows: true })),
    ...[...new Set(queues)]
      .filter((q) => q !== 'orders')
      .map((queue) => ({ queue, workflows: false })),
  ];
  const connections: NativeConnection[] = [];
  const workers = await Promise.all(
    specs.map(async (spec) => {
      const connection = await NativeConnection.connect({ address: opts.temporalAddress });
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
  return {
    async stop() {
      for (const w of workers) w.shutdown();
      await Promise.allSettled(running);
      for (const c of connections) await c.close();
    },
  };
}

/** N bare workflows at the same concurrency, on workers set up as the saga's are. */
export async function runBare(
  system: BenchSystem,
  opts: BareOptions,
  queues: readonly string[],
  phases: Phases,
  name = 'bare',
): Promise<BareRun> {
  const bare = (q: string) => `bench-${name}-${q}`;
  const workers = await startBareWorkers(system, opts, queues, bare);
  const execute = (workflowId: string) =>
    system.temporal.workflow.execute<typeof bareWorkflow>('bareWorkflow', {
      taskQueue: bare('orders'),
      workflowId,
      args: [queues.map(bare)],
    });
  // CPU and the activations this process's workers counted in the row's namespace.
  const snapshot = async (): Promise<CostSnapshot> => ({
    counts: await runtimeActivations(opts.runtimeMetricsUrl, system.namespace),
    cpu: system.cpu(),
  });
  phases.mark(`${name}_setup`);
  try {
    // One unmeasured wave at the measured concurrency first, as the saga gets one.
    await runPool(opts.concurrency, opts.concurrency, async (i) => {
      await execute(`bench-${name}-warmup-${i}-${Date.now()}`);
    });
    phases.mark(`${name}_warmup`);
    const latencies: number[] = [];
    const workflowIds: string[] = [];
    const before = await snapshot();
    const started = performance.now();
    await runPool(opts.orders, opts.concurrency, async (i) => {
      const t = performance.now();
      const workflowId = `bench-${name}-${i}-${Date.now()}`;
      workflowIds.push(workflowId);
      await execute(workflowId);
      latencies.push(performance.now() - t);
      opts.progress.update(latencies.length, opts.orders, `${name} workflows`);
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = system.cpu();
    const after = { ...(await snapshot()), cpu: cpuAfter };
    return {
      seconds,
      latencies,
      workflowIds,
      cpuPerWorkflow: cpuPerUnit(before.cpu, after.cpu, opts.orders),
      cost: costPerUnit(before, after, opts.orders),
    };
  } finally {
    phases.mark(name);
    await workers.stop();
    phases.mark(`${name}_teardown`);
  }
}
