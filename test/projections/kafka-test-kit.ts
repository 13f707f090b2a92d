import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { OrderEvent } from '../../contracts/event-envelope';
import { toEventMessage } from '../../contracts/event-envelope';
import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import { createKafka, createKafkaPublisher, type MessagePublisher } from '../../lib/kafka';
import type { ReadModelNames } from '../../projections/store/pointers';
import { foldOrder } from '../../projections/fold/order-view';
import {
  startProjector,
  type Projector,
  type ProjectorOptions,
} from '../../projections/runtime/projector';
import { expectedAggregates, withoutZeroCounts } from './expected-read-models';

// Shared plumbing of the projection integration tests: servers from KAFKA_BROKERS/MONGO_URL,
// unique topic, group and database names per test so parallel tests never collide.

export const brokers = () => (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const mongoUrl = () => process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
export const quietLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
export const testKafka = (clientId: string): Kafka =>
  createKafka({ brokers: brokers(), clientId, logger: quietLogger() });

export async function createTopics(admin: Admin, topics: { topic: string; partitions: number }[]) {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map(({ topic, partitions }) => ({ topic, numPartitions: partitions })),
  });
}

/** Messages for `events`, keyed by order (so the broker's partitioner keeps orders together). */
export const messagesOf = (events: readonly OrderEvent[]) => events.map(toEventMessage);

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Everything in a generation of read models, without internal fields, keyed by id. */
export async function readAll(db: Db, names: ReadModelNames) {
  const hidden = { projection: { _id: 0, appliedOffsets: 0 } };
  const orders = await db.collection(names.orders).find<OrderView>({}, hidden).toArray();
  const customers = await db
    .collection(names.customerStats)
    .find<CustomerStats>({}, hidden)
    .toArray();
  const skus = await db.collection(names.skuSales).find<SkuSales>({}, hidden).toArray();
  return {
    orders: new Map(orders.map((o) => [o.orderId, o])),
    customers: new Map(customers.map((c) => [c.customerId, c])),
    skus: new Map(skus.map((s) => [s.sku, s])),
  };
}

/**
 * The read models hold exactly the clean fold of `streams`: every order once, at its final
 * version, and the aggregates recomputed from those orders.
 */
export async function expectCleanReadModels(
  db: Db,
  names: ReadModelNames,
  streams: readonly (readonly OrderEvent[])[],
): Promise<void> {
  const got = await readAll(db, names);
  const clean = new Map(streams.map((s) => [s[0].orderId, foldOrder(s)!]));
  expect(got.orders).toEqual(clean);
  const expected = expectedAggregates(clean.values());
  expect(new Map([...got.customers].map(([k, v]) => [k, withoutZeroCounts(v)]))).toEqual(
    expected.customers,
  );
  expect(got.skus).toEqual(expected.skus);
}

/** The clients a projector integration test file shares: a connected admin, Mongo, a publisher. */
export interface TestClients {
  kafka: Kafka;
  admin: Admin;
  mongo: MongoClient;
  publisher: MessagePublisher;
}

export async function openTestClients(clientId: string): Promise<TestClients> {
  const kafka = testKafka(clientId);
  const admin = kafka.admin();
  await admin.connect();
  const mongo = await MongoClient.connect(mongoUrl());
  return { kafka, admin, mongo, publisher: createKafkaPublisher(kafka, quietLogger()) };
}

export async function closeTestClients(c: Omit<TestClients, 'kafka'>): Promise<void> {
  await c.publisher.close();
  await c.admin.disconnect();
  await c.mongo.close();
}

/**
 * A live projector as the integration tests run it: quiet logs, a registry of its own unless
 * the test reads its metrics, poison events published to the dead-letter topic.
 */
export function startTestProjector(
  clients: { kafka: Kafka; publisher: MessagePublisher },
  options: Omit<ProjectorOptions, 'kafka' | 'logger' | 'registry' | 'deadLetters'> & {
    registry?: Registry;
  },
): Promise<Projector> {
  return startProjector({
    kafka: clients.kafka,
    logger: quietLogger(),
    registry: new Registry(),
    deadLetters: { mode: 'publish', publisher: clients.publisher },
    ...options,
  });
}
