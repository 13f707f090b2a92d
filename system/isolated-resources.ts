import type { Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { deadLetterTopic, requiredTopics } from '../contracts/topics';
import { ensureTopics } from '../lib/kafka-topics';
import { createNamespace } from './temporal-namespace';

/** Where the servers a system runs on answer. */
export interface SystemServers {
  temporalAddress: string;
  kafkaBrokers: string[];
  mongoUrl: string;
}

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
  const namespace = await createNamespace(connection, name);
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
export function serviceWorkerConfig(servers: SystemServers, resources: IsolatedResources) {
  return {
    LOG_LEVEL: 'error' as const,
    // The local stack: development defaults, the simulated payment provider.
    LOCAL_MODE: true,
    PAYMENT_PROVIDER: 'simulated' as const,
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

/**
 * Teardown twin of createIsolatedResources, best effort: drops the system's databases and
 * deletes its topics. The namespace stays.
 */
export async function removeIsolatedResources(
  clients: { mongo: MongoClient; kafka: Kafka },
  resources: Pick<IsolatedResources, 'dbs' | 'topic'>,
): Promise<void> {
  for (const db of Object.values(resources.dbs))
    await clients.mongo
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
  const admin = clients.kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [resources.topic, deadLetterTopic(resources.topic)] });
  } catch {
    // Best effort, like the databases: a broker already gone keeps its topics.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
