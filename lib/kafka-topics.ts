import { Kafka, logLevel } from 'kafkajs';
import type { TopicSpec } from '../contracts/topics';
import type { KafkaSecurity } from './connections';

/**
 * Creates the system's topics; existing ones are left as they are. Used by the local stack at
 * start and by `scripts/create-topics.ts` (the compose service and the Kubernetes Job).
 */
export async function ensureTopics(
  brokers: string[],
  topics: TopicSpec[],
  progress: (line: string) => void,
  security: KafkaSecurity = {},
): Promise<void> {
  const admin = new Kafka({
    clientId: 'order-saga-topics',
    brokers,
    ...security,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true }).catch((err: unknown) => {
        // Another client may have created it in between; anything else is real.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
      });
    }
    const present = topics.filter((t) => existing.has(t.topic)).map((t) => t.topic);
    progress(
      `kafka: topics created [${missing.map((t) => `${t.topic}(${t.numPartitions}p)`).join(', ')}]` +
        `, already present [${present.join(', ')}]`,
    );
  } finally {
    await admin.disconnect();
  }
}
