import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import {
  countMongoCommands,
  MONGO_COMMANDS_METRIC,
  type MongoCommandCount,
  mongoCommandCounts,
} from '../../lib/mongo-command-metrics';

// The command counter against the MongoDB-wire server of the integration tier: what the driver
// really emits (handshakes, pings and session clean-up are left out), labelled as sent.

const url = process.env.MONGO_URL;
if (!url) throw new Error('MONGO_URL is not set (the integration globalSetup sets it)');

const dbName = `cmdmetrics_${Date.now().toString(36)}_${process.pid}`;
const clients: MongoClient[] = [];

async function countedClient(registry: Registry): Promise<MongoClient> {
  const client = new MongoClient(url as string, { monitorCommands: true });
  clients.push(client);
  countMongoCommands(client, registry);
  await client.connect();
  return client;
}

afterAll(async () => {
  await clients[0]
    ?.db(dbName)
    .dropDatabase()
    .catch(() => undefined);
  await Promise.all(clients.map((c) => c.close()));
});

const byKey = (rows: MongoCommandCount[]) =>
  Object.fromEntries(rows.map((r) => [`${r.database}/${r.collection}/${r.command}`, r.count]));

describe('countMongoCommands', () => {
  it('counts an insert and a find by database, collection and command, and nothing else', async () => {
    const registry = new Registry();
    const client = await countedClient(registry);
    const notes = client.db(dbName).collection<{ _id: string }>('notes');
    await client.db(dbName).command({ ping: 1 });
    await notes.insertOne({ _id: 'a' });
    await notes.findOne({ _id: 'a' });
    await notes.findOne({ _id: 'b' });

    expect(byKey(await mongoCommandCounts(registry))).toEqual({
      [`${dbName}/notes/insert`]: 1,
      [`${dbName}/notes/find`]: 2,
    });
  });

  it('names the collection of a getMore and shares one counter between clients of a registry', async () => {
    const registry = new Registry();
    const first = await countedClient(registry);
    const second = await countedClient(registry);
    const items = first.db(dbName).collection<{ _id: number }>('items');
    await items.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    await second.db(dbName).collection('items').find({}, { batchSize: 2 }).toArray();

    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual([MONGO_COMMANDS_METRIC]);
    expect(byKey(await mongoCommandCounts(registry))).toEqual({
      [`${dbName}/items/insert`]: 1,
      [`${dbName}/items/find`]: 1,
      [`${dbName}/items/getMore`]: 1,
    });
  });

  it('refuses a client without command monitoring, which would count nothing', () => {
    expect(() => countMongoCommands(new MongoClient(url), new Registry())).toThrow(
      'monitorCommands',
    );
  });
});
