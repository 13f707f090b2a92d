import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { EVENT_HEADERS, headerString } from '../../contracts/event-envelope';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';
import type { EventFacts } from './reconcile';

/** Every event on the order topic up to its current end, read with a throwaway consumer group. */
export async function readAllEvents(brokers: string[], timeoutMs = 60_000): Promise<EventFacts[]> {
  const kafka = new Kafka({ clientId: 'chaos-reconcile', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(ORDER_EVENTS_TOPIC).finally(() => admin.disconnect());
  const remaining = new Map(
    ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]),
  );
  const events: EventFacts[] = [];
  if (remaining.size === 0) return events;
  const consumer = kafka.consumer({ groupId: `chaos-reconcile-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: ORDER_EVENTS_TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`topic not read to its end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const h = (name: string) => headerString(message.headers, name);
            events.push({
              id: h(EVENT_HEADERS.id) ?? '',
              orderId: h(EVENT_HEADERS.subject) ?? '',
              sequence: Number(h(EVENT_HEADERS.sequence)),
              type: h(EVENT_HEADERS.type) ?? '',
            });
            const end = remaining.get(partition);
            if (end !== undefined && Number(message.offset) + 1 >= end) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}
