import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';

/** A fresh database per test file on the MongoDB-wire server the integration setup started. */
export async function openTestDb(name: string): Promise<{ db: Db; close(): Promise<void> }> {
  const url = process.env.MONGO_URL;
  if (!url) throw new Error('MONGO_URL is not set (the integration globalSetup sets it)');
  const client = await MongoClient.connect(url);
  const db = client.db(`${name}_${Date.now().toString(36)}_${process.pid}`);
  return {
    db,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
