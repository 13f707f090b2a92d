import { generationReadModels } from '../../projections/store/pointers';
import { unique, waitFor } from './kafka-test-kit';
import { caughtUp, ProjectorTestBed, sampleStreams } from './projector-test-bed';

// A projector must stay a live member of its group while a slow chunk is written, and must
// report (onFatal, so its process exits and is restarted) partitions that stop advancing.
// The out-of-group watchdog's rule: lib/condition-watch.ts and its unit test.

jest.setTimeout(120_000);

const SESSION_MS = 6_000; // the broker's minimum session timeout

const bed = ProjectorTestBed.forFile('projector-liveness-int');

async function setup() {
  const topic = await bed.createTopic('order.events.live', 1);
  const db = bed.freshDb('read_live');
  const groupId = unique('group');
  await bed.publish(topic, sampleStreams('l', { count: 5, customers: 2, skus: 2 }).flat());
  return { topic, db, groupId, readModels: { ...generationReadModels('live'), groupId } };
}

const members = async (groupId: string) =>
  (await bed.admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;

it('keeps its membership while one chunk takes longer than the session timeout', async () => {
  const { topic, db, groupId, readModels } = await setup();
  let stall = true;
  const fatal: Error[] = [];
  const projector = await bed.startProjector({
    db,
    readModels,
    topic,
    sessionTimeoutMs: SESSION_MS,
    onFatal: (error) => fatal.push(error),
    // The first chunk stalls between its writes for 2.5 sessions (a loaded MongoDB).
    afterAggregates: async () => {
      if (!stall) return;
      stall = false;
      await new Promise((r) => setTimeout(r, 2.5 * SESSION_MS));
    },
  });
  await waitFor('the group to form', async () => (await members(groupId)) === 1);
  await waitFor('the stall to begin', () => Promise.resolve(!stall));
  // Past the session timeout, in the middle of the stalled chunk: still the one member.
  await new Promise((r) => setTimeout(r, 1.5 * SESSION_MS));
  const during = await bed.admin.describeGroups([groupId]);
  expect(during.groups[0].members).toHaveLength(1);
  expect(during.groups[0].state).toBe('Stable');
  await caughtUp(projector);
  expect(fatal).toEqual([]);
});

it('reports a fatal error when its partitions have lag and nothing is committed for too long', async () => {
  const { topic, db, readModels } = await setup();
  const fatal: Error[] = [];
  let release = () => undefined as void;
  await bed.startProjector({
    db,
    readModels,
    topic,
    sessionTimeoutMs: SESSION_MS,
    positionCheckMs: 300,
    stallLimitMs: 2_000,
    onFatal: (error) => fatal.push(error),
    // The first chunk never finishes: a write that never answers.
    afterAggregates: () => new Promise<void>((resolve) => (release = resolve)),
  });
  try {
    await waitFor('the fatal report', () => Promise.resolve(fatal.length > 0), 30_000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].message).toMatch(/^lag and no chunk committed for \d+ ms$/);
  } finally {
    release();
  }
});
