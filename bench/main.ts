import { writeFileSync } from 'node:fs';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runApiReadsBench } from './api-reads';
import { parseBenchArgs, USAGE, type BenchArgs } from './args';
import { run as runProjectionBench } from './projection';
import { projectionRow } from './projection-result';
import { createProgress } from './progress';
import { formatTable, toJson, type BenchReport, type BenchResult } from './report';
import { runPublishBench } from './publish';
import { runSagaBench } from './saga';
import { startBenchServers } from './servers';
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
  const steps =
    1 +
    (wants('saga') ? args.instances.length : 0) +
    (wants('publish') ? 1 : 0) +
    (wants('projection') ? args.instances.length : 0) +
    (wants('api') ? 1 : 0);
  const progress = createProgress(steps);
  progress.step('starting servers');
  const servers = await startBenchServers((text) => progress.update(undefined, undefined, text));
  const results: BenchResult[] = [];
  let stepStarted = Date.now();
  const record = (r: BenchResult) => {
    results.push(r);
    r.details.step_seconds = (Date.now() - stepStarted) / 1000;
    stepStarted = Date.now();
    progress.log(
      `${r.name}: ${r.subject.value.toFixed(1)} vs ${r.baseline.value.toFixed(1)} ${r.subject.unit} (ratio ${r.ratio.toFixed(2)})`,
    );
  };
  try {
    if (wants('saga'))
      for (const instances of args.instances) {
        progress.step(
          `saga x${instances} (${instances} order worker(s), ${instances} projector(s))`,
        );
        record(
          await runSagaBench({
            servers,
            instances,
            orders: args.orders,
            concurrency: args.concurrency,
            progress,
          }),
        );
      }
    if (wants('publish')) {
      progress.step('publish');
      record(
        await runPublishBench({
          servers,
          events: args.quick ? 500 : 5_000,
          concurrency: 20,
          progress,
        }),
      );
    }
    if (wants('projection'))
      for (const instances of args.instances) {
        progress.step(`projection x${instances}`);
        const r = await retryOnce(() =>
          runProjectionBench({
            quick: args.quick,
            json: true,
            instances,
            servers,
            onProgress: (text) => progress.update(undefined, undefined, text),
          }),
        );
        record(projectionRow(r, instances));
      }
    if (wants('api')) {
      progress.step('api reads');
      record(
        await runApiReadsBench({
          servers,
          requests: args.quick ? 1_000 : 10_000,
          concurrency: args.concurrency,
          progress,
        }),
      );
    }
  } finally {
    progress.update(undefined, undefined, 'stopping servers');
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
      instances: args.instances.join(','),
    },
    results,
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
  }
}

main().then(
  // The native Temporal runtime and kafkajs can keep handles open after everything is closed.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
