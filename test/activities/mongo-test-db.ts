import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { commandCollection } from '../../lib/mongo-command-metrics';

export interface TestDb {
  db: Db;
  /** The commands `run` sent to this database, as `collection.command`, in the order sent. */
  commandsOf(run: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
}

/** A fresh database per test file on the MongoDB-wire server the integration setup started. */
export async function openTestDb(name: string): Promise<TestDb> {
  const url = process.env.MONGO_URL;
  if (!url) throw new Error('MONGO_URL is not set (the integration globalSetup sets it)');
  const client = new MongoClient(url, { monitorCommands: true });
  const db = client.db(`${name}_${Date.now().toString(36)}_${process.pid}`);
  let recording: string[] | undefined;
  client.on('commandStarted', (event) => {
    if (recording && event.databaseName === db.databaseName)
      recording.push(`${commandCollection(event.commandName, event.command)}.${event.commandName}`);
  });
  await client.connect();
  return {
    db,
    async commandsOf(run) {
      const sent: string[] = (recording = []);
      try {
        await run();
      } finally {
        recording = undefined;
      }
      return sent;
    },
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
