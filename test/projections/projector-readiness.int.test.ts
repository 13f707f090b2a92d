import type { Admin, Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import { deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import type { Readiness } from '../../lib/process-readiness';
import type { Projector } from '../../projections/runtime/projector';
import { generationReadModels } from '../../projections/store/pointers';
import { sagaEvents, sampleSagas } from '../../testing/sample-streams';
import {
  closeTestClients,
  createTopics,
  messagesOf,
  openTestClients,
  startTestProjector,
  unique,
  waitFor,
} from './kafka-test-kit';

// A projector is ready once it has joined its group and the partitions assigned to it have
// caught up with the topic (what `npm start` waits for, and its /readyz), and it leaves its
// group when stopped, however many times stop is called: a member that never left holds the
// next join of the group for its whole session timeout.

jest.setTimeout(120_000);

let kafka: Kafka;
let admin: Admin;
let mongo: MongoClient;
let publisher: MessagePublisher;
const dbs: Db[] = [];
const projectors: Projector[] = [];

beforeAll(async () => {
  ({ kafka, admin, mongo, publisher } = await openTestClients('projector-readiness-int'));
});
afterAll(async () => {
  for (const p of projectors) await p.stop().catch(() => undefined);
  for (const db of dbs) await db.dropDatabase().catch(() => undefined);
  await closeTestClients({ admin, mongo, publisher });
});

async function setup(orders: number) {
  const topic = unique('order.events.ready');
  await createTopics(admin, [
    { topic, partitions: 2 },
    { topic: deadLetterTopic(topic), partitions: 1 },
  ]);
  const db = mongo.db(unique('read_ready').replace(/-/g, '_'));
  dbs.push(db);
  const groupId = unique('group');
  const streams = sampleSagas({ count: orders, customers: 2, skus: 2, prefix: unique('r') });
  const events = streams.map(sagaEvents).flat();
  if (events.length > 0) await publisher.publish(topic, messagesOf(events));
  return {
    topic,
    db,
    groupId,
    events: events.length,
    readModels: { ...generationReadModels('ready'), groupId },
  };
}

const members = async (groupId: string) =>
  (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;

const status = (r: Readiness) => (r.ready ? 'ready' : r.status);

it('is ready only once its partitions have caught up with the events published before it joined', async () => {
  const { topic, db, groupId, events, readModels } = await setup(6);
  const seen: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const projector = await startTestProjector(
    { kafka, publisher },
    {
      db,
      readModels,
      topic,
      onReadiness: (r) => seen.push(status(r)),
      // Every chunk waits until the test has seen the projector catching up.
      afterAggregates: () => held,
    },
  );
  projectors.push(projector);

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
  const projector = await startTestProjector({ kafka, publisher }, { db, readModels, topic });
  projectors.push(projector);
  await waitFor('ready', () => Promise.resolve(projector.readiness().ready));
  expect(await members(groupId)).toBe(1);

  // A Ctrl-C under `npm start` brings two signals: both stops must wait for the same leave.
  const first = projector.stop();
  await projector.stop();
  expect(await members(groupId)).toBe(0);
  await first;
  expect(projector.readiness()).toEqual({ ready: false, status: 'stopping' });
});
