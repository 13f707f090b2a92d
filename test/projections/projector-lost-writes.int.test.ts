import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { deadLetterTopic } from '../../contracts/topics';
import { POSITIONS_COLLECTION, positionId } from '../../projections/store/mongo-store';
import { foldOrder } from '../../projections/fold/order-view';
import type { ActiveReadModels } from '../../projections/store/pointers';
import { generationReadModels } from '../../projections/store/pointers';
import { expectCleanReadModels, mongoUrl, unique, waitFor } from './kafka-test-kit';
import { caughtUp, ProjectorTestBed, sampleStreams } from './projector-test-bed';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// Writes the read model does not keep. Found by the chaos test that kill -9s the MongoDB-wire
// server: the orders write of a chunk hit the dying server, the driver reported the closed
// connection as a MongoBulkWriteError without write errors, the store took it for "duplicates
// only", the offset was committed, and the order's later events were dead-lettered as gaps.

jest.setTimeout(150_000);

describe('projector and writes the read model does not keep', () => {
  const bed = ProjectorTestBed.forFile('projector-lost-writes-int');

  async function setup(options: { via?: TcpProxy; afterAggregates?: () => void } = {}) {
    const topic = await bed.createTopic('order.events.lost', 1);
    const db = bed.freshDb('read_lost');
    let projectorDb = db;
    if (options.via) {
      const proxied = await MongoClient.connect(`mongodb://127.0.0.1:${options.via.port}/`);
      bed.onRelease(() => proxied.close(), 'after-projectors');
      projectorDb = proxied.db(db.databaseName);
    }
    const readModels: ActiveReadModels = {
      ...generationReadModels('live'),
      groupId: unique('group'),
    };
    const registry = new Registry();
    const projector = await bed.startProjector({
      db: projectorDb,
      registry,
      readModels,
      topic,
      sessionTimeoutMs: 6_000,
      chunkSize: 50,
      positionCheckMs: 500,
      afterAggregates: options.afterAggregates,
    });
    const position = {
      collection: db.collection<{ _id: string; next: number }>(POSITIONS_COLLECTION),
      id: positionId(readModels.groupId, topic, 0),
    };
    const deadLettered = async () =>
      (await bed.admin.fetchTopicOffsets(deadLetterTopic(topic))).reduce(
        (n, p) => n + Number(p.high),
        0,
      );
    const rewinds = async () =>
      (await registry.getSingleMetric('order_projection_rewinds_total')?.get())?.values.reduce(
        (n, v) => n + v.value,
        0,
      ) ?? 0;
    return {
      topic,
      db,
      readModels,
      caughtUp: () => caughtUp(projector),
      position,
      deadLettered,
      rewinds,
    };
  }

  it('an orders write cut off by the server going away is written again, not skipped', async () => {
    const target = new URL(mongoUrl());
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    bed.onRelease(() => proxy.close(), 'after-projectors');
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
    const [a, b] = sampleStreams('w', { count: 2, customers: 2 });

    await bed.publish(topic, a.slice(0, 1));
    await caughtUp();
    await bed.publish(topic, [...a.slice(1), ...b]);
    await caughtUp();

    expect(cuts).toBeGreaterThan(1);
    await expectCleanReadModels(db, readModels.collections, [a, b]);
    expect(await deadLettered()).toBe(0);
  });

  it('reads the partition again from the read model’s own position when acknowledged writes were lost', async () => {
    const { topic, db, readModels, caughtUp, position, deadLettered, rewinds } = await setup();
    const [a, b] = sampleStreams('l', { count: 2, customers: 2 });
    // Offsets: b first, then a's first three events.
    await bed.publish(topic, [...b, ...a.slice(0, 3)]);
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

    await bed.publish(topic, a.slice(3));
    await caughtUp();
    await waitFor('a to be complete', async () =>
      (await db.collection(readModels.collections.orders).findOne({ _id: a[0].orderId as never }))
        ?.version === a.length
        ? true
        : undefined,
    );

    await expectCleanReadModels(db, readModels.collections, [a, b]);
    expect(await deadLettered()).toBe(0);
    expect(await rewinds()).toBeGreaterThan(0);
  });

  it('reads everything again when the position itself is gone, and finds a loss on a quiet partition', async () => {
    const { topic, db, readModels, caughtUp, position, deadLettered, rewinds } = await setup();
    const [a, b] = sampleStreams('q', { count: 2, customers: 1 });
    await bed.publish(topic, [...a, ...b]);
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
    await expectCleanReadModels(db, readModels.collections, [a, b]);
    expect(await deadLettered()).toBe(0);
    expect(await rewinds()).toBeGreaterThan(0);
    expect(await position.collection.findOne({ _id: position.id })).toMatchObject({
      next: a.length + b.length,
    });
  });
});
