import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { MongoClient, type MongoClientOptions } from 'mongodb';

// Clients configured by hand (not through the system's configuration), to show what each server
// of the secure stack accepts and refuses. Each attempt settles quickly and closes what it opened.

/** The error an attempt failed with, or undefined if it succeeded. */
export async function failure(attempt: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await attempt();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const QUICK = { connectionTimeout: 3_000, requestTimeout: 5_000, logLevel: logLevel.NOTHING };

export function kafkaClient(brokers: string[], security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}) {
  // retries 1: the idempotent producer insists on retries; a refusal is not retried anyway.
  return new Kafka({
    clientId: 'secure-test',
    brokers,
    ...QUICK,
    retry: { retries: 1 },
    ...security,
  });
}

export const kafkaTls = (caFile: string) => ({ ssl: { ca: [readFileSync(caFile, 'utf8')] } });

export const scram = (username: string, password: string) => ({
  sasl: { mechanism: 'scram-sha-512' as const, username, password },
});

/** Lists topics (a request that needs a session: the broker refuses it without one). */
export async function listTopics(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One message with the idempotent producer the system's publisher uses. */
export async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'secure-test', value: 'forged' }] });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** An insert into `db`: a command FerretDB runs only for an authenticated connection. */
export async function mongoInsert(
  url: string,
  db: string,
  options: MongoClientOptions = {},
): Promise<void> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 3_000,
    connectTimeoutMS: 3_000,
    ...options,
  });
  try {
    await client.connect();
    await client.db(db).collection('secure_test').insertOne({ at: new Date() });
  } finally {
    await client.close();
  }
}

export type TemporalTls = NonNullable<Parameters<typeof Connection.connect>[0]>['tls'];

/** GetSystemInfo over a fresh connection, closed even when it never connected. */
export async function temporalSystemInfo(address: string, tls?: TemporalTls): Promise<string> {
  const connection = Connection.lazy({ address, connectTimeout: 3_000, tls });
  try {
    await connection.ensureConnected();
    const info = await connection.workflowService.getSystemInfo({});
    return info.serverVersion ?? '';
  } finally {
    await connection.close();
  }
}
