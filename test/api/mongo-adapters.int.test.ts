import { MongoClient, type Db } from 'mongodb';
import { createMongoCatalog } from '../../api/adapters/mongo-catalog';
import {
  createMongoIdempotencyStore,
  IDEMPOTENCY_COLLECTION,
} from '../../api/adapters/mongo-idempotency-store';
import { createMongoOrderReadModel } from '../../api/adapters/mongo-order-read-model';
import {
  createMongoProcessedWebhooks,
  STALE_CLAIM_MS,
  WEBHOOK_ID_RETENTION_MS,
} from '../../api/adapters/mongo-processed-webhooks';
import { createMongoRateLimitCounters } from '../../api/adapters/mongo-rate-limit-counters';
import { DependencyUnavailableError } from '../../api/ports';
import { generationReadModels, switchActiveReadModels } from '../../projections/store/pointers';
import { orderView } from './fakes';

// The API's MongoDB adapters against a real MongoDB-wire server (FerretDB locally): MONGO_URL
// comes from the integration globalSetup. Each run uses fresh databases.

const url = process.env.MONGO_URL;
if (!url) throw new Error('MONGO_URL is not set (the integration globalSetup sets it)');

let client: MongoClient;
const run = `apitest_${Date.now().toString(36)}`;
const dbs: Db[] = [];
const freshDb = (name: string) => {
  const db = client.db(`${run}_${name}`);
  dbs.push(db);
  return db;
};

beforeAll(async () => {
  client = new MongoClient(url);
  await client.connect();
});

afterAll(async () => {
  for (const db of dbs) await db.dropDatabase().catch(() => undefined);
  await client.close();
});

describe('MongoDB idempotency store', () => {
  it('20 concurrent reservations of one key: exactly one winner, all get its orderId', async () => {
    const store = createMongoIdempotencyStore(freshDb('api'));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.reserve('alice\u0000key-1', 'hash-A', `ord_${i}`)),
    );
    const winners = results.filter((r) => r.kind === 'reserved');
    expect(winners).toHaveLength(1);
    const winnerId = (winners[0] as { orderId: string }).orderId;
    expect(results.every((r) => r.kind !== 'conflict' && r.orderId === winnerId)).toBe(true);
    expect(results.filter((r) => r.kind === 'repeat')).toHaveLength(19);
  });

  it('the same key with a different body hash is a conflict; other keys are independent', async () => {
    const store = createMongoIdempotencyStore(freshDb('api2'));
    expect(await store.reserve('k', 'h1', 'ord_1')).toEqual({ kind: 'reserved', orderId: 'ord_1' });
    expect(await store.reserve('k', 'h2', 'ord_2')).toEqual({ kind: 'conflict' });
    expect(await store.reserve('k', 'h1', 'ord_3')).toEqual({ kind: 'repeat', orderId: 'ord_1' });
    expect(await store.reserve('k2', 'h2', 'ord_4')).toEqual({
      kind: 'reserved',
      orderId: 'ord_4',
    });
  });
});

describe('MongoDB idempotency store: retention', () => {
  it('keys carry an expiry and a TTL index deletes them once it has passed', async () => {
    const db = freshDb('api_ttl');
    const long = Date.parse('2020-01-01T00:00:00Z'); // long expired: the next TTL pass takes it
    const store = createMongoIdempotencyStore(db, {
      retentionMs: 1_000,
      now: () => new Date(long),
    });
    await store.ensureIndexes();
    await store.ensureIndexes(); // idempotent, as at every API start
    const indexes = await db.collection(IDEMPOTENCY_COLLECTION).indexes();
    expect(indexes.find((i) => i.name === 'expiresAt_ttl')).toMatchObject({
      key: { expiresAt: 1 },
      expireAfterSeconds: 0,
    });
    expect(await store.reserve('old', 'h', 'ord_old')).toEqual({
      kind: 'reserved',
      orderId: 'ord_old',
    });
    const doc = await db.collection(IDEMPOTENCY_COLLECTION).findOne({ _id: 'old' as never });
    expect(doc?.expiresAt).toEqual(new Date(long + 1_000));
    // The server's TTL monitor runs about once a minute (FerretDB 2 as MongoDB): wait for it.
    const deadline = Date.now() + 150_000;
    while (
      (await db.collection(IDEMPOTENCY_COLLECTION).countDocuments({ _id: 'old' as never })) > 0
    ) {
      if (Date.now() > deadline) throw new Error('the TTL index did not delete the expired key');
      await new Promise((r) => setTimeout(r, 2_000));
    }
    // Gone: the same key starts a new reservation.
    expect(await store.reserve('old', 'h2', 'ord_new')).toEqual({
      kind: 'reserved',
      orderId: 'ord_new',
    });
  }, 180_000);
});

describe('MongoDB processed webhooks', () => {
  it('10 concurrent claims of one webhook-id: one is claimed, the others see it processing', async () => {
    const webhooks = createMongoProcessedWebhooks(freshDb('webhooks'));
    const claims = await Promise.all(Array.from({ length: 10 }, () => webhooks.claim('msg_1')));
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c === 'processing')).toHaveLength(9);
    await webhooks.release('msg_1');
    expect(await webhooks.claim('msg_1')).toBe('claimed');
    await webhooks.complete('msg_1');
    expect(await webhooks.claim('msg_1')).toBe('processed');
    await webhooks.release('msg_1'); // a processed id is never released
    expect(await webhooks.claim('msg_1')).toBe('processed');
  });

  it('takes over a claim whose owner died; forgets ids older than the retention', async () => {
    let now = Date.now();
    const webhooks = createMongoProcessedWebhooks(freshDb('webhooks2'), () => now);
    expect(await webhooks.claim('stuck')).toBe('claimed');
    expect(await webhooks.claim('stuck')).toBe('processing');
    now += STALE_CLAIM_MS + 1000;
    expect(await webhooks.claim('stuck')).toBe('claimed');
    await webhooks.complete('stuck');
    now += WEBHOOK_ID_RETENTION_MS + 3600_000;
    expect(await webhooks.claim('new')).toBe('claimed');
    expect(await webhooks.claim('stuck')).toBe('claimed');
  });
});

describe('MongoDB rate-limit counters', () => {
  it('two instances on one database count one window together; a new window starts over', async () => {
    const db = freshDb('limits');
    // The clock of the windows below: with the real one they are long past, and the store's
    // clean-up deleted them between hits (the test failed with counts 1, 2, 1, 2).
    const now = () => 61_000;
    const [a, b] = [createMongoRateLimitCounters(db, now), createMongoRateLimitCounters(db, now)];
    const hits = [];
    for (const counters of [a, b, a, b]) hits.push(await counters.hit('ip:1', 60_000, 60_000));
    expect(hits).toEqual([1, 2, 3, 4]);
    await b.unhit('ip:1', 60_000);
    expect(await a.hit('ip:1', 60_000, 60_000)).toBe(4);
    expect(await a.hit('ip:1', 120_000, 60_000)).toBe(1);
  });
});

describe('MongoDB order read model', () => {
  it('gets by id without storage fields and pages newest first by (createdAt, orderId)', async () => {
    const db = freshDb('read');
    const orders = db.collection<{ _id: string }>('orders');
    const docs = [
      orderView({ orderId: 'ord_a', createdAt: '2026-01-01T00:00:00.000Z' }),
      orderView({ orderId: 'ord_b', createdAt: '2026-01-02T00:00:00.000Z' }),
      orderView({ orderId: 'ord_c', createdAt: '2026-01-02T00:00:00.000Z', status: 'COMPLETED' }),
      orderView({ orderId: 'ord_d', createdAt: '2026-01-03T00:00:00.000Z' }),
      orderView({ orderId: 'ord_x', customerId: 'bob', createdAt: '2026-01-04T00:00:00.000Z' }),
    ];
    await orders.insertMany(docs.map((d) => ({ _id: d.orderId, ...d, appliedOffsets: { p0: 3 } })));
    const model = createMongoOrderReadModel(db);

    const one = await model.get('ord_a');
    expect(one).toEqual(docs[0]);
    expect(await model.get('ord_zz')).toBeNull();
    // One read for many waits: the ids that exist, as views, and none of the others.
    expect(await model.getMany(['ord_a', 'ord_zz', 'ord_x'])).toEqual(
      new Map([
        ['ord_a', docs[0]],
        ['ord_x', docs[4]],
      ]),
    );

    const seen: string[] = [];
    let after: { createdAt: string; orderId: string } | undefined;
    do {
      const page = await model.list({ customerId: 'alice', limit: 2, after });
      seen.push(...page.items.map((o) => o.orderId));
      after = page.next;
    } while (after);
    expect(seen).toEqual(['ord_d', 'ord_c', 'ord_b', 'ord_a']);

    const completed = await model.list({ status: 'COMPLETED', limit: 10 });
    expect(completed.items.map((o) => o.orderId)).toEqual(['ord_c']);
    expect(completed.next).toBeUndefined();
  });

  it("follows the projector's pointer to a rebuilt generation", async () => {
    const db = freshDb('read2');
    await db
      .collection<{ _id: string }>('orders_v2')
      .insertOne({ _id: 'ord_new', ...orderView({ orderId: 'ord_new' }) });
    // The projector's own switch, so this test follows its pointer format.
    expect(await switchActiveReadModels(db, generationReadModels('v2'), null, new Date())).toBe(
      true,
    );
    expect(await createMongoOrderReadModel(db).get('ord_new')).toMatchObject({
      orderId: 'ord_new',
    });
  });
});

describe('MongoDB aggregates: customer_stats and sku_sales', () => {
  it('reads a customer’s stats and the sales per SKU without the projector’s marks', async () => {
    const db = freshDb('read3');
    // As the projector keeps them: keyed by customer / SKU, with its offset marks beside.
    type Aggregate = { _id: string } & Record<string, unknown>;
    await db.collection<Aggregate>('customer_stats').insertOne({
      _id: 'alice',
      customerId: 'alice',
      ordersByStatus: { COMPLETED: 2, PENDING: 0 },
      totalSpent: 4500,
      appliedOffsets: { p0: 7 },
    });
    await db.collection<Aggregate>('sku_sales').insertMany(
      [
        { sku: 'MUG', unitsSold: 10, revenue: 2000 },
        { sku: 'TEAPOT', unitsSold: 1, revenue: 7500 },
        { sku: 'KETTLE', unitsSold: 3, revenue: 7500 },
      ].map((s) => ({ _id: s.sku, ...s, appliedOffsets: { p1: 9 } })),
    );
    const model = createMongoOrderReadModel(db);

    expect(await model.customerStats('alice')).toEqual({
      customerId: 'alice',
      ordersByStatus: { COMPLETED: 2, PENDING: 0 },
      totalSpent: 4500,
    });
    expect(await model.customerStats('nobody')).toBeNull();
    expect(await model.skuSales('MUG')).toEqual({ sku: 'MUG', unitsSold: 10, revenue: 2000 });
    expect(await model.skuSales('SPOON')).toBeNull();
    expect(await model.topSkuSales(2)).toEqual([
      { sku: 'KETTLE', unitsSold: 3, revenue: 7500 },
      { sku: 'TEAPOT', unitsSold: 1, revenue: 7500 },
    ]);
  });
});

describe('MongoDB catalog', () => {
  it('creates, replaces and reads an entry', async () => {
    const catalog = createMongoCatalog(freshDb('inventory'));
    const first = await catalog.upsert('SKU-1', { name: 'Widget', unitPrice: 1999, available: 10 });
    expect(first.created).toBe(true);
    const second = await catalog.upsert('SKU-1', { name: 'Widget', unitPrice: 1999, available: 4 });
    expect(second.created).toBe(false);
    expect(await catalog.get('SKU-1')).toMatchObject({
      sku: 'SKU-1',
      available: 4,
      unitPrice: 1999,
    });
    expect(await catalog.get('SKU-2')).toBeNull();
  });
});

describe('an unreachable MongoDB', () => {
  it('surfaces as DependencyUnavailableError(mongodb)', async () => {
    const dead = new MongoClient('mongodb://127.0.0.1:1/', { serverSelectionTimeoutMS: 300 });
    try {
      await expect(createMongoOrderReadModel(dead.db('read')).get('x')).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    } finally {
      await dead.close();
    }
  });
});

describe('MongoDB idempotency store: release', () => {
  it('frees a key still reserved for that order, and never a key another order holds', async () => {
    const store = createMongoIdempotencyStore(freshDb('api_release'));
    expect(await store.reserve('k', 'h1', 'ord_1')).toEqual({ kind: 'reserved', orderId: 'ord_1' });
    await store.release('k', 'ord_other');
    expect(await store.reserve('k', 'h1', 'ord_2')).toEqual({ kind: 'repeat', orderId: 'ord_1' });
    await store.release('k', 'ord_1');
    expect(await store.reserve('k', 'h2', 'ord_3')).toEqual({ kind: 'reserved', orderId: 'ord_3' });
  });
});
