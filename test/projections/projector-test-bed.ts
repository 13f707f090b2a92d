import type { Admin, Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import type { OrderEvent } from '../../contracts/event-envelope';
import { deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import type { Projector } from '../../projections/runtime/projector';
import { sagaEvents, sampleSagas } from '../../testing/sample-streams';
import {
  closeTestClients,
  createTopics,
  messagesOf,
  openTestClients,
  startTestProjector,
  unique,
  waitFor,
  type TestClients,
} from './kafka-test-kit';

/** Waits until `projector` has no lag left on any of its partitions. */
export const caughtUp = (projector: Projector, timeoutMs?: number) =>
  waitFor(
    'the projector to catch up',
    async () => (await projector.lag()).every((p) => p.lag === 0),
    timeoutMs,
  );

/** The event streams of `count` sample sagas (`sampleSagas`) under a prefix of their own. */
export const sampleStreams = (
  prefix: string,
  options: { count: number; customers?: number; skus?: number },
): OrderEvent[][] => sampleSagas({ ...options, prefix: unique(prefix) }).map(sagaEvents);

type TestProjectorOptions = Parameters<typeof startTestProjector>[1];

/**
 * What a projector integration test file works with: its clients, connected before its tests,
 * and topics, databases and projectors of its own, which are stopped and dropped after them.
 */
export class ProjectorTestBed implements TestClients {
  kafka!: Kafka;
  admin!: Admin;
  mongo!: MongoClient;
  publisher!: MessagePublisher;
  private readonly projectors: Projector[] = [];
  private readonly dbs: Db[] = [];
  private readonly beforeStop: (() => Promise<void>)[] = [];
  private readonly afterStop: (() => Promise<void>)[] = [];

  /** Registers the file's `beforeAll` (connect) and `afterAll` (release everything). */
  static forFile(clientId: string): ProjectorTestBed {
    const bed = new ProjectorTestBed();
    beforeAll(async () => {
      Object.assign(bed, await openTestClients(clientId));
    });
    afterAll(() => bed.release());
    return bed;
  }

  /** A topic of its own with `partitions` partitions, and its dead-letter topic. */
  async createTopic(prefix: string, partitions: number): Promise<string> {
    const topic = unique(prefix);
    await createTopics(this.admin, [
      { topic, partitions },
      { topic: deadLetterTopic(topic), partitions: 1 },
    ]);
    return topic;
  }

  /** A database of its own on the shared server, dropped after the file. */
  freshDb(prefix: string): Db {
    const db = this.mongo.db(unique(prefix).replace(/-/g, '_'));
    this.dbs.push(db);
    return db;
  }

  publish(topic: string, events: readonly OrderEvent[]): Promise<void> {
    return events.length > 0
      ? this.publisher.publish(topic, messagesOf(events))
      : Promise.resolve();
  }

  /** A projector on this file's clients (`startTestProjector`), stopped after the file. */
  async startProjector(options: TestProjectorOptions): Promise<Projector> {
    const projector = await startTestProjector(this, options);
    this.projectors.push(projector);
    return projector;
  }

  /**
   * Something to close after the file: `before` the projectors stop (a proxy whose hung
   * requests would hold their stop), else after them (a client a projector uses).
   */
  onRelease(close: () => Promise<void>, when: 'before-projectors' | 'after-projectors'): void {
    (when === 'before-projectors' ? this.beforeStop : this.afterStop).push(close);
  }

  private async release(): Promise<void> {
    for (const close of this.beforeStop) await close();
    const stopped = await Promise.allSettled(this.projectors.map((p) => p.stop()));
    for (const close of this.afterStop) await close();
    for (const db of this.dbs) await db.dropDatabase().catch(() => undefined);
    if (this.admin) await closeTestClients(this);
    const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
