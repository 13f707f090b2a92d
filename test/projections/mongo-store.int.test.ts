import { MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import type { CustomerStatsDelta, SkuSalesDelta } from '../../projections/aggregates';
import { createMongoProjectionStore } from '../../projections/mongo-store';
import type { AggregateOp } from '../../projections/plan-batch';
import { generationReadModels } from '../../projections/pointers';
import { mongoUrl, unique } from './kafka-test-kit';

// Two projector instances own different partitions but share customers and SKUs, so both may
// create the same aggregate document at the same moment. One upsert then fails with E11000
// (FerretDB and MongoDB alike); the store must take that as "it exists now" and go on with
// its increments, instead of failing the chunk.

jest.setTimeout(60_000);

let mongo: MongoClient;
let db: Db;
beforeAll(async () => {
  mongo = await MongoClient.connect(mongoUrl());
  db = mongo.db(unique('store').replace(/-/g, '_'));
});
afterAll(async () => {
  await db.dropDatabase().catch(() => undefined);
  await mongo.close();
});

const customerOp = (customerId: string, offset: number): AggregateOp<CustomerStatsDelta> => ({
  offset: String(offset),
  delta: { customerId, ordersByStatus: { PENDING: 1 }, totalSpent: 0 },
});
const skuOp = (sku: string, offset: number): AggregateOp<SkuSalesDelta> => ({
  offset: String(offset),
  delta: { sku, unitsSold: 1, revenue: 10 },
});

it('two instances creating the same new aggregate documents at once both succeed', async () => {
  const { collections } = generationReadModels('race');
  const source = { groupId: 'race', topic: 'order.events' };
  // Separate stores: each serialises only its own aggregate writes, like separate processes.
  const stores = [0, 1].map(() => createMongoProjectionStore(db, collections, source));
  const rounds = 15;
  for (let round = 0; round < rounds; round++) {
    const ids = Array.from({ length: 8 }, (_, i) => `r${round}-${i}`);
    const results = await Promise.allSettled(
      stores.map((store, partition) =>
        store.applyAggregates(
          partition,
          ids.map((id, i) => customerOp(`c-${id}`, i)),
          ids.map((id, i) => skuOp(`s-${id}`, i)),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  }
  const stats = await db.collection(collections.customerStats).find().toArray();
  const skus = await db.collection(collections.skuSales).find().toArray();
  expect([stats.length, skus.length]).toEqual([rounds * 8, rounds * 8]);
  // Not asserted: that both increments of each document stuck. MongoDB makes each update
  // atomic; FerretDB 1.24 can lose one of two racing updates (README, "Known limits of the
  // local MongoDB-wire server"), which is why the local stack runs one projector.
});

it("loads a chunk's orders with filters the server evaluates itself", async () => {
  // FerretDB 1.24 hands only a filter that is exactly {_id: <string>} down to SQLite; for any
  // other (`$in` included) it decodes every document of the collection, so each chunk's read
  // would cost more with every order ever projected. Both the shape the store sends and what
  // the server does with it are checked (`filterPushdown`: FerretDB's explain; MongoDB has none).
  const { collections } = generationReadModels('lookup');
  const client = await MongoClient.connect(mongoUrl(), { monitorCommands: true });
  try {
    const lookupDb = client.db(db.databaseName);
    await lookupDb
      .collection<{ _id: string }>(collections.orders)
      .insertMany(['o-1', 'o-2', 'o-3'].map((_id) => ({ _id, orderId: _id, version: 1 })));
    const filters: Document[] = [];
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'find') filters.push(event.command.filter as Document);
    });
    const store = createMongoProjectionStore(lookupDb, collections, {
      groupId: 'lookup',
      topic: 'order.events',
    });
    const found = await store.loadOrders(['o-1', 'o-2', 'o-3', 'o-missing']);
    expect([...found.keys()].sort()).toEqual(['o-1', 'o-2', 'o-3']);
    expect(filters).toHaveLength(4);
    for (const filter of filters) {
      expect(Object.keys(filter)).toEqual(['_id']);
      expect(typeof filter._id).toBe('string');
    }
    const explain = (filter: Document) =>
      lookupDb.command({ explain: { find: collections.orders, filter } });
    const byId = await explain({ _id: 'o-1' });
    if ('filterPushdown' in byId) {
      expect(byId.filterPushdown).toBe(true);
      expect((await explain({ _id: { $in: ['o-1', 'o-2'] } })).filterPushdown).toBe(false);
    }
  } finally {
    await client.close();
  }
});
