import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { MongoClient } from 'mongodb';
import { deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import { generationReadModels } from '../../projections/store/pointers';
import { sagaEvents, sampleSagas } from '../../testing/sample-streams';
import {
  brokers,
  createTopics,
  messagesOf,
  mongoUrl,
  expectCleanReadModels,
  readAll,
  unique,
  waitFor,
  openTestClients,
  closeTestClients,
  startTestProjector,
} from './kafka-test-kit';

jest.setTimeout(150_000);

const root = path.resolve(__dirname, '../..');

describe('projector killed between the aggregates write and the orders write', () => {
  let kafka: Kafka;
  let admin: Admin;
  let mongo: MongoClient;
  let publisher: MessagePublisher;
  let db: Db;

  beforeAll(async () => {
    ({ kafka, admin, mongo, publisher } = await openTestClients('projector-crash-int'));
  });
  afterAll(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await closeTestClients({ admin, mongo, publisher });
  });

  it('restarts to the same read models, with no double counts', async () => {
    const topic = unique('order.events.crash');
    await createTopics(admin, [
      { topic, partitions: 2 },
      { topic: deadLetterTopic(topic), partitions: 1 },
    ]);
    const dbName = unique('read_crash').replace(/-/g, '_');
    db = mongo.db(dbName);
    const groupId = unique('group');
    const streams = sampleSagas({ count: 50, customers: 5, skus: 6, prefix: unique('k') }).map(
      sagaEvents,
    );
    await publisher.publish(topic, messagesOf(streams.flat()));

    // SIGKILL after the 4th chunk's aggregates: 3 chunks committed, the 4th half-written.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/projections/fixtures/crashing-projector.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          KAFKA_BROKERS: brokers().join(','),
          MONGO_URL: mongoUrl(),
          READ_DB: dbName,
          GROUP_ID: groupId,
          TOPIC: topic,
          CRASH_AFTER_AGGREGATE_WRITES: '4',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const exit = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    expect(exit).toBe('SIGKILL');

    const readModels = { ...generationReadModels('live'), groupId };
    const partial = await readAll(db, readModels.collections);
    expect(partial.orders.size).toBeGreaterThan(0);

    const projector = await startTestProjector(
      { kafka, publisher },
      {
        db,
        readModels,
        topic,
        sessionTimeoutMs: 6_000,
      },
    );
    try {
      await waitFor(
        'the restarted projector to catch up',
        async () => (await projector.lag()).every((p) => p.lag === 0),
        90_000,
      );
    } finally {
      await projector.stop();
    }

    await expectCleanReadModels(db, readModels.collections, streams);
  });
});
