import type { Readiness } from '../../lib/process-readiness';
import { generationReadModels } from '../../projections/store/pointers';
import { unique, waitFor } from './kafka-test-kit';
import { ProjectorTestBed, sampleStreams } from './projector-test-bed';

// A projector is ready once it has joined its group and the partitions assigned to it have
// caught up with the topic (what `npm start` waits for, and its /readyz), and it leaves its
// group when stopped, however many times stop is called: a member that never left holds the
// next join of the group for its whole session timeout.

jest.setTimeout(120_000);

const bed = ProjectorTestBed.forFile('projector-readiness-int');

async function setup(orders: number) {
  const topic = await bed.createTopic('order.events.ready', 2);
  const db = bed.freshDb('read_ready');
  const groupId = unique('group');
  const events = sampleStreams('r', { count: orders, customers: 2, skus: 2 }).flat();
  await bed.publish(topic, events);
  return {
    topic,
    db,
    groupId,
    events: events.length,
    readModels: { ...generationReadModels('ready'), groupId },
  };
}

const members = async (groupId: string) =>
  (await bed.admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;

const status = (r: Readiness) => (r.ready ? 'ready' : r.status);

it('is ready only once its partitions have caught up with the events published before it joined', async () => {
  const { topic, db, groupId, events, readModels } = await setup(6);
  const seen: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const projector = await bed.startProjector({
    db,
    readModels,
    topic,
    onReadiness: (r) => seen.push(status(r)),
    // Every chunk waits until the test has seen the projector catching up.
    afterAggregates: () => held,
  });

  expect(seen.slice(0, 3)).toEqual([
    'creating the read-model indexes',
    'connecting to Kafka',
    `joining consumer group ${groupId}`,
  ]);
  const catchingUp = await waitFor('catching up', () =>
    Promise.resolve(seen.find((s) => s.startsWith('catching up:'))),
  );
  expect(catchingUp).toMatch(new RegExp(`^catching up: ${events} events to project on partition`));
  expect(projector.readiness().ready).toBe(false);

  release();
  await waitFor('ready', () => Promise.resolve(projector.readiness().ready));
  // Ready means caught up: nothing was published since, so no partition has lag left.
  expect((await projector.lag()).map((p) => p.lag)).toEqual([0, 0]);
  expect(seen.at(-1)).toBe('ready');
});

it('is ready at once on an empty topic, and a second stop waits until it has left its group', async () => {
  const { topic, db, groupId, readModels } = await setup(0);
  const projector = await bed.startProjector({ db, readModels, topic });
  await waitFor('ready', () => Promise.resolve(projector.readiness().ready));
  expect(await members(groupId)).toBe(1);

  // A Ctrl-C under `npm start` brings two signals: both stops must wait for the same leave.
  const first = projector.stop();
  await projector.stop();
  expect(await members(groupId)).toBe(0);
  await first;
  expect(projector.readiness()).toEqual({ ready: false, status: 'stopping' });
});
