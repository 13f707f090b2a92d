import type { Kafka, KafkaMessage } from 'kafkajs';
import { DLT_HEADERS, REDRIVEN_FROM_HEADER } from '../../contracts/dead-letter';
import { EVENT_HEADERS, headerString } from '../../contracts/event-envelope';
import { deadLetterTopic } from '../../contracts/topics';
import { loadConfig } from '../../lib/config';
import { kafkaSecurity } from '../../lib/connections';
import type { MessagePublisher, OutgoingMessage } from '../../lib/kafka';
import { createKafka, createKafkaPublisher } from '../../lib/kafka';
import { createLogger } from '../../lib/logger';
import { projectionConfigSchema } from '../runtime/config';
import { copyHeaders } from '../runtime/dead-letter';

// Dead-letter tooling (`npm run dlt -- list` / `npm run dlt -- redrive [offset…]`).
// Re-driving appends the original message (key, value, headers) to the original topic; the
// projector applies it if its predecessors are there by then, or parks it again with the new
// reason. Redrive progress is the committed offset of a dedicated consumer group, so a dead
// letter is re-driven once even if the command is run again.

export const REDRIVE_GROUP_ID = 'order-projections.dlt-redrive';

export interface DeadLetter {
  partition: number;
  offset: string;
  originalTopic: string;
  originalPartition: string;
  originalOffset: string;
  consumerGroup: string;
  exceptionClass: string;
  exceptionMessage: string;
  type?: string;
  orderId?: string;
  sequence?: string;
  message: KafkaMessage;
}

export function describeDeadLetter(partition: number, message: KafkaMessage): DeadLetter {
  const h = (name: string) => headerString(message.headers, name) ?? '';
  return {
    partition,
    offset: message.offset,
    originalTopic: h(DLT_HEADERS.originalTopic),
    originalPartition: h(DLT_HEADERS.originalPartition),
    originalOffset: h(DLT_HEADERS.originalOffset),
    consumerGroup: h(DLT_HEADERS.originalConsumerGroup),
    exceptionClass: h(DLT_HEADERS.exceptionFqcn),
    exceptionMessage: h(DLT_HEADERS.exceptionMessage),
    type: headerString(message.headers, EVENT_HEADERS.type),
    orderId: headerString(message.headers, EVENT_HEADERS.subject),
    sequence: headerString(message.headers, EVENT_HEADERS.sequence),
    message,
  };
}

/** The message a dead letter re-drives: the original, marked with where it was parked. */
export function redriveMessage(letter: DeadLetter, dltTopic: string): OutgoingMessage {
  const headers = copyHeaders(letter.message.headers);
  for (const name of Object.values(DLT_HEADERS)) delete headers[name];
  headers[REDRIVEN_FROM_HEADER] = `${dltTopic}/${letter.partition}/${letter.offset}`;
  return { key: letter.message.key?.toString() ?? null, value: letter.message.value, headers };
}

/**
 * Reads the dead-letter topic up to its current end. With a `groupId`, starts after that
 * group's committed offsets and `commit()` records how far it got; without, reads everything
 * under a throwaway group.
 */
export async function readDeadLetters(
  kafka: Kafka,
  dltTopic: string,
  groupId?: string,
): Promise<{ letters: DeadLetter[]; commit: () => Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  const group = groupId ?? `order-projections.dlt-list.${process.pid}.${Date.now()}`;
  try {
    if (!(await admin.listTopics()).includes(dltTopic)) {
      return { letters: [], commit: () => Promise.resolve() };
    }
    const ends = await admin.fetchTopicOffsets(dltTopic);
    const committed = groupId
      ? ((await admin.fetchOffsets({ groupId, topics: [dltTopic] }))[0]?.partitions ?? [])
      : [];
    const startOf = (partition: number, low: string) => {
      const c = committed.find((p) => p.partition === partition)?.offset ?? '-1';
      return Number(c) >= 0 ? Number(c) : Number(low);
    };
    const pending = ends.filter((e) => startOf(e.partition, e.low) < Number(e.high));
    const letters: DeadLetter[] = [];
    if (pending.length > 0) {
      const consumer = kafka.consumer({ groupId: group });
      await consumer.connect();
      await consumer.subscribe({ topic: dltTopic, fromBeginning: true });
      const remaining = new Map(pending.map((e) => [e.partition, Number(e.high)]));
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end !== undefined && Number(message.offset) < end) {
                letters.push(describeDeadLetter(partition, message));
                if (Number(message.offset) + 1 >= end) remaining.delete(partition);
              }
              if (remaining.size === 0) resolve();
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
    }
    letters.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    return {
      letters,
      commit: async () => {
        if (!groupId || letters.length === 0) return;
        const next = new Map<number, string>();
        for (const l of letters) next.set(l.partition, String(Number(l.offset) + 1));
        const a = kafka.admin();
        await a.connect();
        try {
          await a.setOffsets({
            groupId,
            topic: dltTopic,
            partitions: [...next].map(([partition, offset]) => ({ partition, offset })),
          });
        } finally {
          await a.disconnect();
        }
      },
    };
  } finally {
    await admin.disconnect();
  }
}

/** Re-drives every dead letter not re-driven yet (or only those at `offsets`); returns them. */
export async function redriveDeadLetters(options: {
  kafka: Kafka;
  publisher: MessagePublisher;
  topic: string;
  offsets?: readonly string[];
}): Promise<DeadLetter[]> {
  const dlt = deadLetterTopic(options.topic);
  const read = await readDeadLetters(options.kafka, dlt, REDRIVE_GROUP_ID);
  const letters = read.letters;
  const chosen = options.offsets?.length
    ? letters.filter((l) => options.offsets!.includes(l.offset))
    : letters;
  // In DLT order, so an order's parked events go back in their original order.
  for (const letter of chosen) {
    await options.publisher.publish(letter.originalTopic || options.topic, [
      redriveMessage(letter, dlt),
    ]);
  }
  // Selected re-drives do not move the group: the others stay pending for a later run.
  if (!options.offsets?.length) await read.commit();
  return chosen;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig(projectionConfigSchema);
  const logger = createLogger('dlt', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: 'order-projections-dlt',
    logger,
    security: kafkaSecurity(config),
  });
  const topic = config.ORDER_EVENTS_TOPIC;
  const show = (l: DeadLetter) =>
    `${l.partition}/${l.offset}  ${l.originalTopic}[${l.originalPartition}]@${l.originalOffset}  ` +
    `${l.type ?? '?'} order=${l.orderId ?? '?'} #${l.sequence ?? '?'}  ${l.exceptionClass}: ${l.exceptionMessage}`;
  if (command === 'list') {
    const { letters } = await readDeadLetters(kafka, deadLetterTopic(topic));
    console.log(`${letters.length} dead letter(s) in ${deadLetterTopic(topic)}`);
    for (const l of letters) console.log(show(l));
  } else if (command === 'redrive') {
    const publisher = createKafkaPublisher(kafka, logger);
    try {
      const done = await redriveDeadLetters({ kafka, publisher, topic, offsets: rest });
      console.log(`re-drove ${done.length} dead letter(s) to ${topic}`);
      for (const l of done) console.log(show(l));
    } finally {
      await publisher.close();
    }
  } else {
    console.error('usage: npm run dlt -- list | redrive [dlt-offset …]');
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
