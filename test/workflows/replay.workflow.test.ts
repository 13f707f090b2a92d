import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { ReplayResult } from '@temporalio/worker';
import { historyFromFixture } from '../../testing/history-fixtures';
import { RECORDED_PATH_NAMES } from '../../testing/recorded-paths';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { workflowBundle } from '../../workers/workflow-bundle';

// Replays the recorded histories (scripts/record-histories.ts) against today's workflow code:
// a change that would break orders in flight fails here. No server needed.

jest.setTimeout(60_000);

const DIR = path.resolve(__dirname, '../fixtures/histories');
/** Every generation records the same paths (testing/recorded-paths.ts). */
const MAIN_PATHS = [...RECORDED_PATH_NAMES];
/** One folder per shape the workflow has had (scripts/record-histories.ts), oldest first. */
const generations = readdirSync(DIR).sort();
const LATEST = generations[generations.length - 1];
const fixtures = generations.flatMap((g) =>
  readdirSync(path.join(DIR, g))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${g}/${f}`),
);
const load = (file: string) => readFileSync(path.join(DIR, file), 'utf8');

async function replay(histories: { workflowId: string; history: unknown }[]) {
  const results: ReplayResult[] = [];
  const replayer = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
  for await (const result of replayer) results.push(result);
  return results;
}

/** How many times the recorded happy path scheduled `publishOrderEvent` as an activity. */
const publishActivities = (generation: string) =>
  historyFromFixture(load(`${generation}/happy.json`)).events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishOrderEvent',
  ).length;

beforeAll(() => installQuietRuntime());

it('has a fixture for every main path in every generation', () => {
  expect(generations).toEqual([
    '1-publish-activities',
    '2-local-publish',
    '3-publish-together',
    '4-pipelined-publish',
  ]);
  for (const g of generations)
    expect(
      readdirSync(path.join(DIR, g))
        .map((f) => f.replace(/\.json$/, ''))
        .sort(),
    ).toEqual(MAIN_PATHS);
});

it('records the local-event-publishing patch: events were activities before it, local after', () => {
  expect(publishActivities('1-publish-activities')).toBe(7);
  expect(publishActivities('2-local-publish')).toBe(0);
  const markers = historyFromFixture(load('2-local-publish/happy.json')).events.filter(
    (e) => e.markerRecordedEventAttributes,
  );
  // One patch marker, then one marker per event published as a local activity.
  expect(markers.map((e) => e.markerRecordedEventAttributes?.markerName)).toEqual([
    'core_patch',
    ...Array<string>(7).fill('core_local_activity'),
  ]);
});

/** The happy path's markers, in order: `core_patch:<id>` and `core_local_activity:<type>`. */
const markersOf = (generation: string) =>
  historyFromFixture(load(`${generation}/happy.json`)).events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (!marker) return [];
    // Core keeps what the marker is about as JSON: a patch's id, a local activity's type.
    const details = marker.details ?? {};
    const [payload] = (details['patch-data'] ?? details.data)?.payloads ?? [];
    const about = JSON.parse(Buffer.from(payload?.data ?? []).toString() || '{}') as {
      id?: string;
      activity_type?: string;
    };
    return [`${marker.markerName}:${about.id ?? about.activity_type}`];
  });

it('records the publish-together patch: the capture and the completion go out in one local activity', () => {
  const one = 'core_local_activity:publishOrderEvent';
  expect(markersOf('2-local-publish')).toEqual([
    'core_patch:local-event-publishing',
    ...Array<string>(7).fill(one),
  ]);
  // Five events one by one, then the patch, and the last two events together.
  expect(markersOf('3-publish-together')).toEqual([
    'core_patch:local-event-publishing',
    ...Array<string>(5).fill(one),
    'core_patch:publish-together',
    'core_local_activity:publishOrderEvents',
  ]);
});

/** The happy path's commands of one workflow task after another: activities and markers. */
const taskCommandsOf = (generation: string) => {
  const tasks: string[][] = [];
  for (const e of historyFromFixture(load(`${generation}/happy.json`)).events) {
    if (e.workflowTaskCompletedEventAttributes) tasks.push([]);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity) tasks[tasks.length - 1].push(activity);
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      tasks[tasks.length - 1].push('(publish)');
  }
  return tasks.filter((commands) => commands.length > 0);
};

it('records the pipelined-event-publishing patch: one publish per task, sent with the next step', () => {
  // Only the new patch: its orders never call the two before it.
  expect(markersOf('4-pipelined-publish')).toEqual([
    'core_patch:pipelined-event-publishing',
    ...Array<string>(5).fill('core_local_activity:publishOrderEvent'),
    'core_local_activity:publishOrderEvents',
  ]);
  // Before it, the saga scheduled a step once the event before it was published; since, the
  // step is scheduled first (the SDK records a local activity's marker when it ends).
  expect(taskCommandsOf('3-publish-together')[1]).toEqual(['(publish)', 'reserveInventory']);
  expect(taskCommandsOf('4-pipelined-publish')).toEqual([
    ['priceOrder', '(publish)'],
    ['reserveInventory', '(publish)'],
    ['authorizePayment', '(publish)'],
    ['createShipment', '(publish)'],
    ['capturePayment', '(publish)'],
    ['(publish)'],
  ]);
});

it('replays every recorded history of every generation without a determinism error', async () => {
  const results = await replay(
    fixtures.map((f) => ({ workflowId: f, history: historyFromFixture(load(f)) })),
  );
  expect(results).toHaveLength(generations.length * MAIN_PATHS.length);
  for (const result of results)
    expect({ id: result.workflowId, error: result.error }).toEqual({
      id: result.workflowId,
      error: undefined,
    });
});

it('fails with a DeterminismViolationError when the history no longer matches the code', async () => {
  // As if the code now scheduled a different activity than the one this order recorded.
  const tampered = load(`${LATEST}/happy.json`).replace(
    /"name": "reserveInventory"/,
    '"name": "reserveStock"',
  );
  expect(tampered).not.toBe(load(`${LATEST}/happy.json`));
  const [result] = await replay([
    { workflowId: 'tampered', history: historyFromFixture(tampered) },
  ]);
  expect(result?.error).toBeInstanceOf(DeterminismViolationError);
  expect(result?.error?.message).toMatch(/reserveStock|reserveInventory|Activity type/i);
});
