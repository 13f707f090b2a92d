import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { CustomerIdKey, OrderStatusKey, OrderTotalKey } from '../contracts/search-attributes';
import { historyToFixture } from '../testing/history-fixtures';
import { recordedPaths, runRecordedPath } from '../testing/recorded-paths';
import { createSagaTestEnv } from '../testing/saga-test-env';

// Records one workflow history per main path of the saga (testing/recorded-paths.ts) into
// test/fixtures/histories/<generation>/, for test/workflows/replay.workflow.test.ts. It runs
// each path on a real Temporal dev server (TEMPORAL_CLI_PATH: path of the `temporal` binary; the
// server is started on a free port and stopped afterwards) with deterministic in-process fakes
// on the service task queues (testing/fake-services.ts), so the histories do not depend on
// Mongo or Kafka.
//
// A generation is the workflow code's shape between two patches (e.g. `2-local-publish`). After
// a change that is meant to alter histories, record a NEW generation and keep the old ones:
// replaying all of them proves orders in flight survive the change (see the versioning note in
// workflows/order-saga.ts).
//
//   TEMPORAL_CLI_PATH=/path/to/temporal npx tsx scripts/record-histories.ts <generation>

const HISTORIES = path.resolve(__dirname, '../test/fixtures/histories');

async function main(): Promise<void> {
  const cli = process.env.TEMPORAL_CLI_PATH;
  if (!cli) throw new Error('Set TEMPORAL_CLI_PATH to the path of the temporal binary');
  const generation = process.argv[2];
  if (!generation || !/^\d+-[a-z0-9-]+$/.test(generation))
    throw new Error(
      'Name the generation to record as the first argument, <number>-<what changed> (e.g. 3-batched-upserts)',
    );
  const out = path.join(HISTORIES, generation);
  const t = await createSagaTestEnv(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: cli },
        searchAttributes: [OrderStatusKey, CustomerIdKey, OrderTotalKey],
      },
    }),
  );
  try {
    mkdirSync(out, { recursive: true });
    for (const p of recordedPaths()) {
      const { handle, result } = await runRecordedPath(t, p);
      const file = path.join(out, `${p.name}.json`);
      writeFileSync(file, historyToFixture(await handle.fetchHistory()));
      console.log(`${p.name}: ${result.status} ${result.cancellationReason ?? ''} → ${file}`);
    }
  } finally {
    await t.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
