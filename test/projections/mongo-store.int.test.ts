import { MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import type { CustomerStatsDelta, SkuSalesDelta } from '../../projections/fold/aggregates';
import { createMongoProjectionStore } from '../../projections/store/mongo-store';
import type { AggregateOp } from '../../projections/fold/plan-batch';
import type { OrderView } from '../../contracts/read-models';
import { generationReadModels } from '../../projections/store/pointers';
import { mongoUrl, unique } from './kafka-test-kit';

// Projector instances own different partitions but share customers and SKUs: they create and
// increment the same aggregate documents at the same moment, and nothing serialises them but
// the server's atomic single-document updates (FerretDB 1.24 lost most of 400 concurrent
// `$inc`s on one document). On FerretDB 2.5 the same race found two more ways to fail, both
// handled in mongo-store.ts: bulk writes meeting shared documents in different orders
// deadlock, and racing upserts of a new document can drop another instance's increments.

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

it('instances racing over the same aggregate documents from different partitions keep them exact', async () => {
  const { collections } = generationReadModels('race');
  const source = { groupId: 'race', topic: 'order.events' };
  // Three stores (three processes), two partitions each, all at once; every chunk adds 1 to
  // each of the same two customers and two SKUs, and creates new documents the others create
  // at the same moment. Half the partitions meet the documents in the opposite order, as
  // events of unrelated orders do.
  const stores = [0, 1, 2].map(() => createMongoProjectionStore(db, collections, source));
  const partitions = [0, 1, 2, 3, 4, 5];
  const rounds = 30;
  const opsPerChunk = 5;
  const customers = ['c-shared-1', 'c-shared-2'];
  const skus = ['s-shared-1', 's-shared-2'];
  const results = await Promise.allSettled(
    partitions.map(async (partition) => {
      const store = stores[partition % stores.length];
      for (let round = 0; round < rounds; round++) {
        const offsets = Array.from({ length: opsPerChunk }, (_, i) => round * opsPerChunk + i);
        const fresh = `r${round}`; // created by every partition in the same round
        const inOrder = (ids: string[]) => (partition % 2 === 0 ? ids : [...ids].reverse());
        await store.applyAggregates(
          partition,
          offsets.flatMap((offset) =>
            inOrder([...customers, `c-${fresh}`]).map((c) => customerOp(c, offset)),
          ),
          offsets.flatMap((offset) =>
            inOrder([...skus, `s-${fresh}`]).map((s) => skuOp(s, offset)),
          ),
        );
      }
    }),
  );
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

  const perDocument = partitions.length * rounds * opsPerChunk;
  const perFresh = partitions.length * opsPerChunk;
  const stats = await db
    .collection<{ _id: string; ordersByStatus: Record<string, number> }>(collections.customerStats)
    .find()
    .toArray();
  const sales = await db
    .collection<{ _id: string; unitsSold: number; revenue: number }>(collections.skuSales)
    .find()
    .toArray();
  expect(stats).toHaveLength(customers.length + rounds);
  expect(sales).toHaveLength(skus.length + rounds);
  for (const c of stats) {
    const n = customers.includes(c._id) ? perDocument : perFresh;
    expect([c._id, c.ordersByStatus]).toEqual([c._id, { PENDING: n }]);
  }
  for (const s of sales) {
    const n = skus.includes(s._id) ? perDocument : perFresh;
    expect([s._id, s.unitsSold, s.revenue]).toEqual([s._id, n, 10 * n]);
  }

  // A redelivered op (an offset this partition already applied) changes nothing.
  await stores[0].applyAggregates(0, [customerOp(customers[0], 0)], [skuOp(skus[0], 0)]);
  const again = await db
    .collection<{ _id: string; ordersByStatus: Record<string, number> }>(collections.customerStats)
    .findOne({ _id: customers[0] });
  expect(again?.ordersByStatus).toEqual({ PENDING: perDocument });
});

it("loads a chunk's orders with one query", async () => {
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
    const found = await store.loadOrders(0, ['o-1', 'o-2', 'o-3', 'o-missing']);
    expect([...found.keys()].sort()).toEqual(['o-1', 'o-2', 'o-3']);
    expect(found.get('o-2')).toEqual({ orderId: 'o-2', version: 1 });
    expect(filters).toEqual([{ _id: { $in: ['o-1', 'o-2', 'o-3', 'o-missing'] } }]);
  } finally {
    await client.close();
  }
});

/** The number of updates in each `update` command `run` sends through `client`. */
async function countUpdates(client: MongoClient, run: () => Promise<void>): Promise<number[]> {
  const sizes: number[] = [];
  const listener = (event: CommandStartedEvent) => {
    if (event.commandName === 'update') sizes.push((event.command.updates as unknown[]).length);
  };
  client.on('commandStarted', listener);
  try {
    await run();
  } finally {
    client.off('commandStarted', listener);
  }
  return sizes;
}

describe('aggregate documents the store already knows', () => {
  const source = { groupId: 'known', topic: 'order.events' };
  const monitored = async () => {
    const client = await MongoClient.connect(mongoUrl(), { monitorCommands: true });
    const commands: { name: string; collection: unknown }[] = [];
    client.on('commandStarted', (event: CommandStartedEvent) =>
      commands.push({ name: event.commandName, collection: event.command[event.commandName] }),
    );
    return { client, db: client.db(db.databaseName), commands };
  };
  const statsOf = (collection: string, customerId: string) =>
    db
      .collection<{ _id: string; ordersByStatus: Record<string, number> }>(collection)
      .findOne({ _id: customerId });

  it('are incremented without looking them up again', async () => {
    const { collections } = generationReadModels('known-skip');
    const { client, db: watched, commands } = await monitored();
    try {
      const store = createMongoProjectionStore(watched, collections, source);
      await store.applyAggregates(0, [customerOp('c-known', 0)], [skuOp('s-known', 0)]);
      commands.length = 0;
      await store.applyAggregates(0, [customerOp('c-known', 1)], [skuOp('s-known', 1)]);
      // One guarded $inc per collection and nothing else: no find, no insert.
      expect(commands.map((c) => c.name).sort()).toEqual(['update', 'update']);
      expect((await statsOf(collections.customerStats, 'c-known'))?.ordersByStatus).toEqual({
        PENDING: 2,
      });
    } finally {
      await client.close();
    }
  });

  it('are incremented once per document per chunk, and a chunk overlapping what was applied adds only what was not', async () => {
    const { collections } = generationReadModels('known-coalesced');
    const { client, db: watched } = await monitored();
    try {
      const store = createMongoProjectionStore(watched, collections, source);
      await store.applyAggregates(0, [customerOp('c-sum', 0)], []);
      // Three events of one customer in one chunk: one update, not three.
      const chunk = (offsets: number[]) => () =>
        store.applyAggregates(
          0,
          offsets.map((o) => customerOp('c-sum', o)),
          [],
        );
      expect(await countUpdates(client, chunk([1, 2, 3]))).toEqual([1]);
      // Redelivered from offset 2 and longer: 2 and 3 are applied already, 4 and 5 are not. The
      // sum does not match; then one guarded $inc per event.
      expect(await countUpdates(client, chunk([2, 3, 4, 5]))).toEqual([1, 4]);
      expect((await statsOf(collections.customerStats, 'c-sum'))?.ordersByStatus).toEqual({
        PENDING: 6,
      });
    } finally {
      await client.close();
    }
  });

  /**
   * A store whose partition 0 created `customerId`'s statistics, which the database then lost (an
   * acknowledged write that did not survive a crash); `between` runs next, then `partition`
   * applies another op for that customer, which must create the document again.
   */
  async function expectCreatedAgain(
    name: string,
    customerId: string,
    partition: number,
    between: (store: ReturnType<typeof createMongoProjectionStore>) => Promise<void> | void,
  ) {
    const { collections } = generationReadModels(name);
    const store = createMongoProjectionStore(db, collections, source);
    await store.applyAggregates(0, [customerOp(customerId, 0)], []);
    await db.collection<{ _id: string }>(collections.customerStats).deleteOne({ _id: customerId });
    await between(store);
    await store.applyAggregates(partition, [customerOp(customerId, 1)], []);
    expect((await statsOf(collections.customerStats, customerId))?.ordersByStatus).toEqual({
      PENDING: 1,
    });
  }

  it('are looked up again after a rewind, so a document the database lost is created again', () =>
    // What the projector does when it rewinds partition 0.
    expectCreatedAgain('known-rewind', 'c-lost', 0, (store) => store.forgetKnownDocuments(0)));

  it('are known per partition: one known through another partition is looked up again', () =>
    // Lost with partition 0's position, which only partition 0's next chunk will notice.
    expectCreatedAgain('known-partition', 'c-shared', 1, () => undefined));

  it('are looked up again after any failed operation', () =>
    expectCreatedAgain('known-failure', 'c-failed', 0, async (store) => {
      // A write the server refuses (a field name starting with `$`) fails the chunk.
      const refused = { orderId: 'o-bad', version: 1, $bad: 1 } as unknown as OrderView;
      await expect(store.writeOrders(0, [refused])).rejects.toThrow();
    }));
});

describe('orders the store already knows', () => {
  const source = { groupId: 'known-orders', topic: 'order.events' };
  const order = (orderId: string, version: number, status = 'PENDING') =>
    ({ orderId, version, status }) as unknown as OrderView;

  /** A store on a monitored client, and the `find`s it sends to the orders collection. */
  async function watchedStore(name: string) {
    const { collections } = generationReadModels(name);
    const client = await MongoClient.connect(mongoUrl(), { monitorCommands: true });
    const finds: unknown[] = [];
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'find' && event.command.find === collections.orders)
        finds.push((event.command.filter as Document)._id);
    });
    const store = createMongoProjectionStore(client.db(db.databaseName), collections, source);
    /** One chunk of `partition`: its orders loaded, `writes` written, its position recorded. */
    const chunk = async (partition: number, ids: string[], writes: OrderView[] = []) => {
      const loaded = await store.loadOrders(partition, ids);
      await store.writeOrders(partition, writes);
      await store.savePosition(partition, 1);
      return loaded;
    };
    return { store, chunk, finds, collections, close: () => client.close() };
  }

  it('are not read again by the next chunk of their partition; other partitions read them', async () => {
    const { store, chunk, finds, close } = await watchedStore('orders-known');
    try {
      await chunk(0, ['o-a'], [order('o-a', 1)]);
      expect(finds).toEqual([{ $in: ['o-a'] }]);
      finds.length = 0;
      const loaded = await chunk(0, ['o-a'], [order('o-a', 2)]);
      expect(loaded.get('o-a')).toEqual(order('o-a', 1));
      expect(finds).toEqual([]);
      expect((await store.loadOrders(0, ['o-a'])).get('o-a')).toEqual(order('o-a', 2));
      await store.loadOrders(1, ['o-a']);
      expect(finds).toEqual([{ $in: ['o-a'] }]);
    } finally {
      await close();
    }
  });

  it('are read again unless their chunk recorded its position, after a rewind and after a failure', async () => {
    const { store, chunk, finds, close } = await watchedStore('orders-forgotten');
    try {
      await store.loadOrders(0, ['o-b']);
      await store.writeOrders(0, [order('o-b', 1)]); // no position recorded: not known
      await chunk(0, ['o-b']);
      await chunk(0, ['o-b']); // known now
      store.forgetKnownDocuments(0); // the projector rewinds partition 0
      await chunk(0, ['o-b']);
      const refused = { orderId: 'o-bad', version: 1, $bad: 1 } as unknown as OrderView;
      await expect(store.writeOrders(0, [refused])).rejects.toThrow();
      await chunk(0, ['o-b']);
      expect(finds).toEqual(Array(4).fill({ $in: ['o-b'] }));
    } finally {
      await close();
    }
  });

  it('are not known at a version a newer stored one kept out, nor once final', async () => {
    const { chunk, finds, collections, close } = await watchedStore('orders-newer');
    try {
      await db
        .collection<{ _id: string }>(collections.orders)
        .insertOne({ _id: 'o-c', ...order('o-c', 3) });
      await chunk(0, [], [order('o-c', 2)]); // another instance was ahead: v3 stays
      expect((await chunk(0, ['o-c'])).get('o-c')).toEqual(order('o-c', 3));
      await chunk(0, ['o-d'], [order('o-d', 7, 'COMPLETED')]);
      await chunk(0, ['o-d']);
      expect(finds).toEqual([{ $in: ['o-c'] }, { $in: ['o-d'] }, { $in: ['o-d'] }]);
    } finally {
      await close();
    }
  });
});
