import type { Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import { requiredTopics } from '../../contracts/topics';
import { ensureTopics } from '../../lib/kafka-topics';
import { createTestNamespace } from './temporal-namespace';
import type { TestServers } from './servers';

/**
 * What one in-process system (an end-to-end test file, a benchmark run) owns on shared servers,
 * so several can run side by side: a Temporal namespace, an event topic and its dead-letter
 * topic, and one database per service plus the read and API databases.
 */
export interface IsolatedResources {
  namespace: string;
  /** Namespace as an identifier suffix, for topic, group and database names. */
  suffix: string;
  topic: string;
  dbs: { inventory: string; payments: string; shipping: string; read: string; api: string };
}

export async function createIsolatedResources(
  connection: Connection,
  kafkaBrokers: string[],
  name: string,
  partitions: number,
): Promise<IsolatedResources> {
  const namespace = await createTestNamespace(connection, name);
  const suffix = namespace.replace(/-/g, '_');
  const topic = `order.events.${suffix}`;
  // A broker that has just started may still answer "does not host this topic-partition"
  // while it elects leaders for the new topic; that settles within seconds.
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopics(
        kafkaBrokers,
        requiredTopics(partitions).map((t) => ({
          ...t,
          topic: t.topic.replace('order.events', topic),
        })),
        () => undefined,
      );
      break;
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  return {
    namespace,
    suffix,
    topic,
    dbs: {
      inventory: `inventory_${suffix}`,
      payments: `payments_${suffix}`,
      shipping: `shipping_${suffix}`,
      read: `read_${suffix}`,
      api: `api_${suffix}`,
    },
  };
}

/** The service workers' configuration for an isolated system (all destinations shippable). */
export function serviceWorkerConfig(servers: TestServers, resources: IsolatedResources) {
  return {
    LOG_LEVEL: 'error' as const,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: resources.namespace,
    KAFKA_BROKERS: servers.kafkaBrokers,
    MONGO_URL: servers.mongoUrl,
    INVENTORY_DB: resources.dbs.inventory,
    PAYMENTS_DB: resources.dbs.payments,
    SHIPPING_DB: resources.dbs.shipping,
    SHIPPING_COUNTRIES: ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'SE', 'JP', 'AU'],
  };
}

/** Teardown twin of createIsolatedResources: drops the system's databases (best effort). */
export async function dropIsolatedDatabases(
  mongo: MongoClient,
  resources: Pick<IsolatedResources, 'dbs'>,
): Promise<void> {
  for (const db of Object.values(resources.dbs))
    await mongo
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
}
