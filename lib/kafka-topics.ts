import { type Admin, Kafka, logLevel } from 'kafkajs';
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
    const { created, present } = await createMissingTopics(admin, topics);
    progress(
      `kafka: topics created [${created.join(', ')}], already present [${present.join(', ')}]`,
    );
  } finally {
    await admin.disconnect();
  }
}

/** How long a new broker may answer "does not host this topic-partition" before we give up. */
const TOPIC_RETRY_MS = 60_000;

/**
 * Creates the topics `admin` does not list, waiting for their leaders. A broker that has just
 * started (or is busy: several starting on two cores) can answer a retriable error, such as
 * UNKNOWN_TOPIC_OR_PARTITION while the new topic's leader is being elected, for longer than
 * kafkajs's own retries last; those are retried here until TOPIC_RETRY_MS has passed.
 */
export async function createMissingTopics(
  admin: Admin,
  topics: TopicSpec[],
  now: () => number = Date.now,
): Promise<{ created: string[]; present: string[] }> {
  const deadline = now() + TOPIC_RETRY_MS;
  for (;;) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) {
        await admin
          .createTopics({ topics: missing, waitForLeaders: true })
          .catch((err: unknown) => {
            // Another client may have created it in between; anything else is real.
            if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
          });
      }
      return {
        created: missing.map((t) => `${t.topic}(${t.numPartitions}p)`),
        present: topics.filter((t) => existing.has(t.topic)).map((t) => t.topic),
      };
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
