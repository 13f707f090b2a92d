import { randomUUID } from 'node:crypto';
import { type Db, MongoClient } from 'mongodb';
import { testServers } from '../setup/servers';

jest.setTimeout(60_000);

describe('MongoDB-wire server (smoke)', () => {
  const { mongoUrl } = testServers();
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(mongoUrl);
    db = client.db(`smoke_${randomUUID().replace(/-/g, '')}`);
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('upserts and reads back', async () => {
    const orders = db.collection<{ _id: string; status: string; total: number; version: number }>(
      'orders',
    );
    await orders.createIndex({ status: 1, total: -1 });
    const first = await orders.updateOne(
      { _id: 'o-1' },
      { $set: { status: 'PENDING', total: 42 }, $setOnInsert: { version: 1 } },
      { upsert: true },
    );
    expect(first.upsertedCount).toBe(1);
    const second = await orders.updateOne(
      { _id: 'o-1' },
      { $set: { status: 'CONFIRMED' }, $inc: { version: 1 } },
      { upsert: true },
    );
    expect(second.modifiedCount).toBe(1);
    expect(await orders.findOne({ _id: 'o-1' })).toEqual({
      _id: 'o-1',
      status: 'CONFIRMED',
      total: 42,
      version: 2,
    });
  });
});
