import type { Admin, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import type { OrderEvent } from '../../contracts/event-envelope';
import { deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import { POSITIONS_COLLECTION, positionId } from '../../projections/store/mongo-store';
import { foldOrder } from '../../projections/fold/order-view';
import type { ActiveReadModels } from '../../projections/store/pointers';
import { generationReadModels } from '../../projections/store/pointers';
import type { Projector } from '../../projections/runtime/projector';
import { sagaEvents, sampleSagas } from '../../testing/sample-streams';
import {
  createTopics,
  messagesOf,
  mongoUrl,
  expectCleanReadModels,
  unique,
  waitFor,
  openTestClients,
  closeTestClients,
  startTestProjector,
} from './kafka-test-kit';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// Writes the read model does not keep. Found by the chaos test that kill -9s the MongoDB-wire
// server: the orders write of a chunk hit the dying server, the driver reported the closed
// connection as a MongoBulkWriteError without write errors, the store took it for "duplicates
// only", the offset was committed, and the order's later events were dead-lettered as gaps.

jest.setTimeout(150_000);

describe('projector and writes the read model does not keep', () => {
  let kafka: Kafka;
  let admin: Admin;
  let mongo: MongoClient;
  let publisher: MessagePublisher;
  const dbs: Db[] = [];
  const projectors: Projector[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ({ kafka, admin, mongo, publisher } = await openTestClients('projector-lost-writes-int'));
  });
  afterAll(async () => {
    for (const p of projectors) await p.stop();
    for (const cleanup of cleanups) await cleanup();
    for (const db of dbs) await db.dropDatabase().catch(() => undefined);
    await closeTestClients({ admin, mongo, publisher });
  });

  async function setup(options: { via?: TcpProxy; afterAggregates?: () => void } = {}) {
    const topic = unique('order.events.lost');
    await createTopics(admin, [
      { topic, partitions: 1 },
      { topic: deadLetterTopic(topic), partitions: 1 },
    ]);
    const dbName = unique('read_lost').replace(/-/g, '_');
    const db = mongo.db(dbName);
    dbs.push(db);
    let projectorDb = db;
    if (options.via) {
      const proxied = await MongoClient.connect(`mongodb://127.0.0.1:${options.via.port}/`);
      cleanups.push(() => proxied.close());
      projectorDb = proxied.db(dbName);
    }
    const readModels: ActiveReadModels = {
      ...generationReadModels('live'),
      groupId: unique('group'),
    };
    const registry = new Registry();
    const projector = await startTestProjector(
      { kafka, publisher },
      {
        db: projectorDb,
        registry,
        readModels,
        topic,
        sessionTimeoutMs: 6_000,
        chunkSize: 50,
        positionCheckMs: 500,
        afterAggregates: options.afterAggregates,
      },
    );
    projectors.push(projector);
    const caughtUp = () =>
      waitFor('the projector to catch up', async () =>
        (await projector.lag()).every((p) => p.lag === 0),
      );
    const position = {
      collection: db.collection<{ _id: string; next: number }>(POSITIONS_COLLECTION),
      id: positionId(readModels.groupId, topic, 0),
    };
    const deadLettered = async () =>
      (await admin.fetchTopicOffsets(deadLetterTopic(topic))).reduce(
        (n, p) => n + Number(p.high),
        0,
      );
    const rewinds = async () =>
      (await registry.getSingleMetric('order_projection_rewinds_total')?.get())?.values.reduce(
        (n, v) => n + v.value,
        0,
      ) ?? 0;
    return { topic, db, readModels, caughtUp, position, deadLettered, rewinds };
  }

  async function expectExact(
    db: Db,
    readModels: ActiveReadModels,
    streams: readonly OrderEvent[][],
  ) {
    await expectCleanReadModels(db, readModels.collections, streams);
  }

  it('an orders write cut off by the server going away is written again, not skipped', async () => {
    const target = new URL(mongoUrl());
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    cleanups.push(() => proxy.close());
    let cuts = 0;
    const { topic, db, readModels, caughtUp, deadLettered } = await setup({
      via: proxy,
      // The server "dies" after the first chunk's aggregates write, before its orders write,
      // and is back a second later.
      afterAggregates: () => {
        if (cuts++ > 0) return;
        proxy.cut();
        setTimeout(() => void proxy.resume(), 1_000);
      },
    });
    const [a, b] = sampleSagas({ count: 2, customers: 2, prefix: unique('w') }).map(sagaEvents);

    await publisher.publish(topic, messagesOf(a.slice(0, 1)));
    await caughtUp();
    await publisher.publish(topic, messagesOf([...a.slice(1), ...b]));
    await caughtUp();

    expect(cuts).toBeGreaterThan(1);
    await expectExact(db, readModels, [a, b]);
    expect(await deadLettered()).toBe(0);
  });

  it('reads the partition again from the read model’s own position when acknowledged writes were lost', async () => {
    const { topic, db, readModels, caughtUp, position, deadLettered, rewinds } = await setup();
    const [a, b] = sampleSagas({ count: 2, customers: 2, prefix: unique('l') }).map(sagaEvents);
    // Offsets: b first, then a's first three events.
    await publisher.publish(topic, messagesOf([...b, ...a.slice(0, 3)]));
    await caughtUp();
    expect(await position.collection.findOne({ _id: position.id })).toMatchObject({
      next: b.length + 3,
    });

    // The database comes back without a's documents (its order and its customer's statistics,
    // which this projector created and so knows) and with its position back before a (behind
    // the projector's back: Kafka's committed offset stays after a's third event).
    await db.collection(readModels.collections.orders).deleteOne({ _id: a[0].orderId as never });
    const aCustomer = (a[0].data as { customerId: string }).customerId;
    await db
      .collection(readModels.collections.customerStats)
      .deleteOne({ _id: aCustomer as never });
    await position.collection.updateOne({ _id: position.id }, { $set: { next: b.length } });

    await publisher.publish(topic, messagesOf(a.slice(3)));
    await caughtUp();
    await waitFor('a to be complete', async () =>
      (await db.collection(readModels.collections.orders).findOne({ _id: a[0].orderId as never }))
        ?.version === a.length
        ? true
        : undefined,
    );

    await expectExact(db, readModels, [a, b]);
    expect(await deadLettered()).toBe(0);
    expect(await rewinds()).toBeGreaterThan(0);
  });

  it('reads everything again when the position itself is gone, and finds a loss on a quiet partition', async () => {
    const { topic, db, readModels, caughtUp, position, deadLettered, rewinds } = await setup();
    const [a, b] = sampleSagas({ count: 2, customers: 1, prefix: unique('q') }).map(sagaEvents);
    await publisher.publish(topic, messagesOf([...a, ...b]));
    await caughtUp();

    // a's last write is lost, and so is every position write: no new event follows, so only
    // the periodic comparison with the committed offset can notice.
    const orders = db.collection(readModels.collections.orders);
    const beforeLast = foldOrder(a.slice(0, -1))!;
    await orders.replaceOne({ _id: a[0].orderId as never }, beforeLast);
    await position.collection.deleteOne({ _id: position.id });

    await waitFor('a to be complete again', async () =>
      (await orders.findOne({ _id: a[0].orderId as never }))?.version === a.length
        ? true
        : undefined,
    );
    await caughtUp();
    await expectExact(db, readModels, [a, b]);
    expect(await deadLettered()).toBe(0);
    expect(await rewinds()).toBeGreaterThan(0);
    expect(await position.collection.findOne({ _id: position.id })).toMatchObject({
      next: a.length + b.length,
    });
  });
});
