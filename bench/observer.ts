import type { Kafka } from 'kafkajs';
import { EVENT_HEADERS, headerString } from '../contracts/event-envelope';
import type { CommitMark, ObservedEvent } from './lag';

// The bench's own view of a saga row's topic, on a Kafka client of its own (not counted as the
// system's requests): when each event occurred (for the projection lag), and, in the deployed
// shape, where the projectors' group has committed (their progress callbacks are in other
// processes there).

/** Records when each event occurred, from its ce_time header, by partition and offset. */
export async function observeTopic(
  kafka: Kafka,
  topic: string,
): Promise<{ observed: ObservedEvent[]; stop(): Promise<void> }> {
  const observed: ObservedEvent[] = [];
  // Subscribed from the beginning, so it sees every event whenever it joins.
  const consumer = kafka.consumer({ groupId: `bench-observer.${topic}.${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const occurredAt = Date.parse(headerString(message.headers, EVENT_HEADERS.time) ?? '');
        if (Number.isFinite(occurredAt))
          observed.push({
            partition,
            offset: Number(message.offset),
            occurredAt,
            sentAt: Number(message.timestamp),
          });
        return Promise.resolve();
      },
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  return { observed, stop: () => consumer.disconnect() };
}

/**
 * Commit marks from the group's committed offsets, asked every `everyMs`: a mark is the last
 * offset a commit covers, timed when first seen (up to `everyMs` after the commit).
 */
export async function pollCommits(
  kafka: Kafka,
  groupId: string,
  topic: string,
  commits: CommitMark[],
  everyMs = 50,
): Promise<{ stop(): Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  const seen = new Map<number, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const at = Date.now();
        for (const { partition, offset } of offsets?.partitions ?? []) {
          const committed = Number(offset);
          if (committed > 0 && committed !== seen.get(partition)) {
            seen.set(partition, committed);
            commits.push({ partition, offset: committed - 1, at });
          }
        }
      } catch {
        // The group may not exist yet, or the broker is busy: ask again.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await admin.disconnect().catch(() => undefined);
    },
  };
}
