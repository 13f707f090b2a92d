import { writeFileSync } from 'node:fs';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { freePorts } from '../stack';
import { runApiReadsBench } from './api-reads';
import { benchBundle } from './bundle';
import { parseBenchArgs, USAGE, type BenchArgs } from './args';
import { formatCosts } from './cost';
import { run as runProjectionBench } from './projection';
import { projectionRow } from './projection-result';
import { cpuDelta } from './cpu';
import { withTimeout } from './pool';
import { createProgress, type Progress } from './progress';
import { formatTable, toJson, type BenchReport, type BenchResult } from './report';
import { runPublishBench } from './publish';
import { createSagaBench, type SagaBench } from './saga';
import { startBenchServers, type BenchServers } from './servers';
import { renderBarChart } from './svg';

// `npm run bench [-- --quick] [-- --json] [--out FILE] [--svg FILE]`: every benchmark next to
// its baseline, measured in this run on the same servers. See bench/README.md.

/**
 * A loaded broker sometimes answers a topic's first metadata request with a retriable error
 * (UNKNOWN_TOPIC_OR_PARTITION while it elects leaders); the projection bench creates a fresh
 * topic each run, so one retry of the whole step is safe and keeps the run unattended.
 */
async function retryOnce<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { retriable?: boolean }).retriable !== true) throw error;
    await new Promise((r) => setTimeout(r, 2_000));
    return run();
  }
}

interface Step {
  label: string;
  run: (servers: BenchServers, progress: Progress) => Promise<BenchResult>;
  /** Added to the step's time limit: starting and stopping the processes of the deployed shape. */
  extraLimitMs?: number;
}

/** The saga rows: each shape with each instance count. */
function sagaSteps(args: BenchArgs, saga: SagaBench, runtimeMetricsUrl: string): Step[] {
  return args.shapes.flatMap((shape) =>
    args.instances.map((instances) => ({
      label: `saga x${instances} ${shape} (${instances} order worker(s), ${instances} projector(s))`,
      extraLimitMs: shape === 'deployed' ? 180_000 : 0,
      run: (servers: BenchServers, progress: Progress) =>
        saga.run({
          servers,
          shape,
          instances,
          orders: args.orders,
          concurrency: args.concurrency,
          progress,
          runtimeMetricsUrl,
        }),
    })),
  );
}

/** Every step the arguments select, in order. */
function benchSteps(args: BenchArgs, saga: SagaBench, runtimeMetricsUrl: string): Step[] {
  const wants = (name: BenchArgs['only'][number]) => args.only.includes(name);
  const steps: Step[] = wants('saga') ? sagaSteps(args, saga, runtimeMetricsUrl) : [];
  if (wants('publish'))
    steps.push({
      label: 'publish',
      run: (servers, progress) =>
        runPublishBench({ servers, events: args.events, concurrency: 20, progress }),
    });
  if (wants('projection'))
    for (const instances of args.instances)
      steps.push({
        label: `projection x${instances}`,
        run: async (servers, progress) => {
          const r = await retryOnce(() =>
            runProjectionBench({
              quick: args.quick,
              json: true,
              orders: args.projectionOrders,
              instances,
              servers,
              onProgress: (text) => progress.update(undefined, undefined, text),
            }),
          );
          return projectionRow(r, instances);
        },
      });
  if (wants('api'))
    steps.push({
      label: 'api reads',
      run: (servers, progress) =>
        runApiReadsBench({
          servers,
          requests: args.requests,
          concurrency: args.concurrency,
          progress,
        }),
    });
  return steps;
}

/**
 * The Temporal runtime of this process, its metrics served for the bench to read (the
 * activations its workers count: bench/activation-counter.ts). Returns their URL. The SDK shuts
 * an idle runtime down (no worker, no native connection) and starts it again with these options
 * when next needed, counters from 0: read it only while this process runs workers.
 */
async function installRuntime(): Promise<string> {
  const [port] = await freePorts(1);
  const bindAddress = `127.0.0.1:${port}`;
  Runtime.install({
    // Expected activity failures and worker chatter would bury the progress line.
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { metrics: { prometheus: { bindAddress } } },
  });
  return `http://${bindAddress}/metrics`;
}

/** Runs each step in turn; a step that fails or hangs is recorded and the run goes on. */
async function runSteps(
  steps: readonly Step[],
  servers: BenchServers,
  progress: Progress,
  quick: boolean,
  results: BenchResult[],
): Promise<{ step: string; error: string }[]> {
  const failures: { step: string; error: string }[] = [];
  for (const step of steps) {
    progress.step(step.label);
    const stepStarted = Date.now();
    const cpuBefore = servers.cpu();
    // A step that hangs is abandoned (its work may go on in the background) and the run goes
    // on; the steps bound their own phases much tighter.
    const limitMs = (quick ? 180 : 3_600) * 1000 + (step.extraLimitMs ?? 0);
    try {
      const r = await withTimeout(step.run(servers, progress), limitMs, step.label);
      r.details.step_seconds = (Date.now() - stepStarted) / 1000;
      r.details.cpu_seconds = cpuDelta(cpuBefore, servers.cpu());
      results.push(r);
      const others = (r.alsoAgainst ?? [])
        .map((a) => `, vs ${a.baseline.value.toFixed(1)} (ratio ${a.ratio.toFixed(2)})`)
        .join('');
      progress.log(
        `${r.name}: ${r.subject.value.toFixed(1)} vs ${r.baseline.value.toFixed(1)} ${r.subject.unit} (ratio ${r.ratio.toFixed(2)})${others} in ${r.details.step_seconds.toFixed(1)} s`,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ step: step.label, error: message });
      progress.log(
        `${step.label} FAILED after ${((Date.now() - stepStarted) / 1000).toFixed(1)} s: ${message}`,
      );
    }
  }
  return failures;
}

/** The results table, then each saga row's cost per order beside its baseline's. */
const tables = (results: readonly BenchResult[]) =>
  [formatTable(results), formatCosts(results)].filter(Boolean).join('\n\n');

/** The report: on stdout (table or JSON) and in the files asked for. */
function writeReport(args: BenchArgs, report: BenchReport, servers: BenchServers): void {
  const { results } = report;
  if (args.out) writeFileSync(args.out, `${toJson(report)}\n`);
  if (args.svg)
    writeFileSync(
      args.svg,
      renderBarChart(
        results,
        `order-saga benchmarks${args.quick ? ' (quick)' : ''}: project vs baseline`,
      ),
    );
  if (args.json) console.log(toJson(report));
  else {
    console.log(
      `\norder-saga benchmarks${args.quick ? ' (--quick)' : ''}, ${report.seconds.toFixed(0)} s, servers started here: ${servers.startedHere.join(', ') || 'none'}\n`,
    );
    console.log(tables(results));
    for (const f of report.failures ?? []) console.log(`\nFAILED ${f.step}: ${f.error}`);
  }
}

function parseArgsOrExit(): BenchArgs {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const args = parseArgsOrExit();
  const runtimeMetricsUrl = await installRuntime();
  const startedAt = new Date();
  // Each saga row starts and stops a system of its own; `saga.stop()` ends an interrupted one.
  const saga = createSagaBench();
  const steps = benchSteps(args, saga, runtimeMetricsUrl);
  const progress = createProgress(1 + steps.length);
  progress.step('starting servers');
  // Bundling the workflows (webpack, CPU) overlaps the servers' start-up (mostly waiting);
  // the saga rows await the same promise, and see its error if it fails.
  if (args.only.includes('saga')) benchBundle().catch(() => undefined);
  const servers = await startBenchServers((text) => progress.update(undefined, undefined, text));
  const serversSeconds = (Date.now() - startedAt.getTime()) / 1000;
  progress.log(`servers ready in ${serversSeconds.toFixed(1)} s`);
  const results: BenchResult[] = [];
  // An interrupted run stops the system of the row in progress and the servers it started.
  const interrupted = (signal: NodeJS.Signals) => {
    progress.log(`${signal}: stopping the saga row's system and the servers`);
    // What finished is still printed (a run stopped by a time limit keeps its figures).
    if (results.length > 0) console.log(`\n${tables(results)}`);
    void saga
      .stop()
      .catch(() => undefined)
      .finally(() => void servers.stop().finally(() => process.exit(130)));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  let failures: { step: string; error: string }[] = [];
  try {
    failures = await runSteps(steps, servers, progress, args.quick, results);
  } finally {
    progress.update(undefined, undefined, 'stopping servers');
    await saga.stop().catch(() => undefined);
    await servers.stop();
    progress.end();
  }
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    quick: args.quick,
    servers: {
      temporal: servers.temporalAddress,
      kafka: servers.kafkaBrokers.join(','),
      mongo: servers.mongoUrl,
      startedHere: servers.startedHere,
    },
    settings: {
      orders: args.orders,
      concurrency: args.concurrency,
      events: args.events,
      projection_orders: args.projectionOrders,
      requests: args.requests,
      instances: args.instances.join(','),
      shapes: args.shapes.join(','),
    },
    serversSeconds,
    results,
    ...(failures.length > 0 && { failures }),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
  };
  writeReport(args, report, servers);
  if (failures.length > 0) process.exitCode = 1;
}

main().then(
  // The native Temporal runtime and kafkajs can keep handles open after everything is closed.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
