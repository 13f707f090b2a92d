import { writeFileSync } from 'node:fs';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runApiReadsBench } from './api-reads';
import { benchBundle } from './bundle';
import { parseBenchArgs, USAGE, type BenchArgs } from './args';
import { run as runProjectionBench } from './projection';
import { projectionRow } from './projection-result';
import { cpuDelta } from './cpu';
import { withTimeout } from './pool';
import { createProgress } from './progress';
import { formatTable, toJson, type BenchReport, type BenchResult } from './report';
import { runPublishBench } from './publish';
import { createSagaBench } from './saga';
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

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  // Expected activity failures and worker chatter would bury the progress line.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const startedAt = new Date();
  const wants = (name: BenchArgs['only'][number]) => args.only.includes(name);
  const steps: { label: string; run: (servers: BenchServers) => Promise<BenchResult> }[] = [];
  // Each saga row starts and stops a system of its own; `saga.stop()` ends an interrupted one.
  const saga = createSagaBench();
  if (wants('saga'))
    for (const instances of args.instances)
      steps.push({
        label: `saga x${instances} (${instances} order worker(s), ${instances} projector(s))`,
        run: (servers) =>
          saga.run({
            servers,
            instances,
            orders: args.orders,
            concurrency: args.concurrency,
            progress,
          }),
      });
  if (wants('publish'))
    steps.push({
      label: 'publish',
      run: (servers) =>
        runPublishBench({ servers, events: args.events, concurrency: 20, progress }),
    });
  if (wants('projection'))
    for (const instances of args.instances)
      steps.push({
        label: `projection x${instances}`,
        run: async (servers) => {
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
      run: (servers) =>
        runApiReadsBench({
          servers,
          requests: args.requests,
          concurrency: args.concurrency,
          progress,
        }),
    });

  const progress = createProgress(1 + steps.length);
  progress.step('starting servers');
  // Bundling the workflows (webpack, CPU) overlaps the servers' start-up (mostly waiting);
  // the saga rows await the same promise, and see its error if it fails.
  if (wants('saga')) benchBundle().catch(() => undefined);
  const servers = await startBenchServers((text) => progress.update(undefined, undefined, text));
  const serversSeconds = (Date.now() - startedAt.getTime()) / 1000;
  progress.log(`servers ready in ${serversSeconds.toFixed(1)} s`);
  const results: BenchResult[] = [];
  // An interrupted run still stops the servers it started.
  const interrupted = (signal: NodeJS.Signals) => {
    progress.log(`${signal}: stopping servers`);
    // What finished is still printed (a run stopped by a time limit keeps its figures).
    if (results.length > 0) console.log(`\n${formatTable(results)}`);
    void servers.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  // A step that hangs is abandoned (its work may go on in the background) and the run goes
  // on; the steps bound their own phases much tighter.
  const stepLimitMs = (args.quick ? 180 : 3_600) * 1000;
  /** Steps that threw: the run goes on with the others, prints them and exits non-zero. */
  const failures: { step: string; error: string }[] = [];
  try {
    for (const step of steps) {
      progress.step(step.label);
      const stepStarted = Date.now();
      const cpuBefore = servers.cpu();
      try {
        const r = await withTimeout(step.run(servers), stepLimitMs, step.label);
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
    },
    serversSeconds,
    results,
    ...(failures.length > 0 && { failures }),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
  };
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
    console.log(formatTable(results));
    for (const f of failures) console.log(`\nFAILED ${f.step}: ${f.error}`);
  }
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
