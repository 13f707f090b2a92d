import { spawn } from 'node:child_process';
import path from 'node:path';
import { generationReadModels } from '../../projections/store/pointers';
import { brokers, expectCleanReadModels, mongoUrl, readAll, unique } from './kafka-test-kit';
import { caughtUp, ProjectorTestBed, sampleStreams } from './projector-test-bed';

jest.setTimeout(150_000);

const root = path.resolve(__dirname, '../..');

describe('projector killed between the aggregates write and the orders write', () => {
  const bed = ProjectorTestBed.forFile('projector-crash-int');

  it('restarts to the same read models, with no double counts', async () => {
    const topic = await bed.createTopic('order.events.crash', 2);
    const db = bed.freshDb('read_crash');
    const groupId = unique('group');
    const streams = sampleStreams('k', { count: 50, customers: 5, skus: 6 });
    await bed.publish(topic, streams.flat());

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
          READ_DB: db.databaseName,
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

    const projector = await bed.startProjector({ db, readModels, topic, sessionTimeoutMs: 6_000 });
    await caughtUp(projector, 90_000);

    await expectCleanReadModels(db, readModels.collections, streams);
  });
});
