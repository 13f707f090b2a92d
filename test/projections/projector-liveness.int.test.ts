import type { Admin, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { MongoClient } from 'mongodb';
import { deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import { generationReadModels } from '../../projections/store/pointers';
import type { Projector } from '../../projections/runtime/projector';
import { sagaEvents, sampleSagas } from '../../testing/sample-streams';
import {
  createTopics,
  messagesOf,
  unique,
  waitFor,
  openTestClients,
  closeTestClients,
  startTestProjector,
} from './kafka-test-kit';

// A projector must stay a live member of its group while a slow chunk is written, and must
// report (onFatal, so its process exits and is restarted) partitions that stop advancing.
// The out-of-group watchdog's rule: lib/condition-watch.ts and its unit test.

jest.setTimeout(120_000);

const SESSION_MS = 6_000; // the broker's minimum session timeout

let kafka: Kafka;
let admin: Admin;
let mongo: MongoClient;
let publisher: MessagePublisher;
const dbs: Db[] = [];
const projectors: Projector[] = [];

beforeAll(async () => {
  ({ kafka, admin, mongo, publisher } = await openTestClients('projector-liveness-int'));
});
afterAll(async () => {
  for (const p of projectors) await p.stop().catch(() => undefined);
  for (const db of dbs) await db.dropDatabase().catch(() => undefined);
  await closeTestClients({ admin, mongo, publisher });
});

async function setup() {
  const topic = unique('order.events.live');
  await createTopics(admin, [
    { topic, partitions: 1 },
    { topic: deadLetterTopic(topic), partitions: 1 },
  ]);
  const db = mongo.db(unique('read_live').replace(/-/g, '_'));
  dbs.push(db);
  const groupId = unique('group');
  const streams = sampleSagas({ count: 5, customers: 2, skus: 2, prefix: unique('l') });
  await publisher.publish(topic, messagesOf(streams.map(sagaEvents).flat()));
  return { topic, db, groupId, readModels: { ...generationReadModels('live'), groupId } };
}

const members = async (groupId: string) =>
  (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;

it('keeps its membership while one chunk takes longer than the session timeout', async () => {
  const { topic, db, groupId, readModels } = await setup();
  let stall = true;
  const fatal: Error[] = [];
  const projector = await startTestProjector(
    { kafka, publisher },
    {
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
    },
  );
  projectors.push(projector);
  await waitFor('the group to form', async () => (await members(groupId)) === 1);
  await waitFor('the stall to begin', () => Promise.resolve(!stall));
  // Past the session timeout, in the middle of the stalled chunk: still the one member.
  await new Promise((r) => setTimeout(r, 1.5 * SESSION_MS));
  const during = await admin.describeGroups([groupId]);
  expect(during.groups[0].members).toHaveLength(1);
  expect(during.groups[0].state).toBe('Stable');
  await waitFor('the projector to catch up', async () =>
    (await projector.lag()).every((p) => p.lag === 0),
  );
  expect(fatal).toEqual([]);
});

it('reports a fatal error when its partitions have lag and nothing is committed for too long', async () => {
  const { topic, db, readModels } = await setup();
  const fatal: Error[] = [];
  let release = () => undefined as void;
  const projector = await startTestProjector(
    { kafka, publisher },
    {
      db,
      readModels,
      topic,
      sessionTimeoutMs: SESSION_MS,
      positionCheckMs: 300,
      stallLimitMs: 2_000,
      onFatal: (error) => fatal.push(error),
      // The first chunk never finishes: a write that never answers.
      afterAggregates: () => new Promise<void>((resolve) => (release = resolve)),
    },
  );
  projectors.push(projector);
  try {
    await waitFor('the fatal report', () => Promise.resolve(fatal.length > 0), 30_000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].message).toMatch(/^lag and no chunk committed for \d+ ms$/);
  } finally {
    release();
  }
});
