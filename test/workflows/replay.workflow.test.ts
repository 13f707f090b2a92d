import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { ReplayResult } from '@temporalio/worker';
import { historyFromFixture } from '../../testing/history-fixtures';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { workflowBundle } from '../../workers/workflow-bundle';

// Replays the recorded histories (scripts/record-histories.ts) against today's workflow code:
// a change that would break orders in flight fails here. No server needed.

jest.setTimeout(60_000);

const DIR = path.resolve(__dirname, '../fixtures/histories');
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const load = (file: string) => readFileSync(path.join(DIR, file), 'utf8');

async function replay(histories: { workflowId: string; history: unknown }[]) {
  const results: ReplayResult[] = [];
  const replayer = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
  for await (const result of replayer) results.push(result);
  return results;
}

beforeAll(() => installQuietRuntime());

it('has a fixture for every main path', () => {
  expect(fixtures.sort()).toEqual(
    [
      'approval-rejected.json',
      'compensation-failed-retried.json',
      'customer-cancelled.json',
      'happy.json',
      'out-of-stock.json',
      'payment-confirmed.json',
      'payment-declined.json',
    ].sort(),
  );
});

it('replays every recorded history without a determinism error', async () => {
  const results = await replay(
    fixtures.map((f) => ({ workflowId: f, history: historyFromFixture(load(f)) })),
  );
  expect(results).toHaveLength(fixtures.length);
  for (const result of results)
    expect({ id: result.workflowId, error: result.error }).toEqual({
      id: result.workflowId,
      error: undefined,
    });
});

it('fails with a DeterminismViolationError when the history no longer matches the code', async () => {
  // As if the code now scheduled a different activity than the one this order recorded.
  const tampered = load('happy.json').replace(
    /"name": "reserveInventory"/,
    '"name": "reserveStock"',
  );
  expect(tampered).not.toBe(load('happy.json'));
  const [result] = await replay([
    { workflowId: 'tampered', history: historyFromFixture(tampered) },
  ]);
  expect(result?.error).toBeInstanceOf(DeterminismViolationError);
  expect(result?.error?.message).toMatch(/reserveStock|reserveInventory|Activity type/i);
});
