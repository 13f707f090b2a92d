import type { Kafka as KafkaClient, Producer } from 'kafkajs';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Logger } from './logger';

// The one place that knows kafkajs on the producing side. kafkajs 2.2.4 is unmaintained; code
// elsewhere depends on MessagePublisher, so another client (@confluentinc/kafka-javascript,
// @platformatic/kafka) can replace it here.

export interface OutgoingMessage {
  key: string | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
}

export interface MessagePublisher {
  /** Resolves once every message is acknowledged by all in-sync replicas; throws otherwise. */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

const KAFKAJS_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client that logs through our logger (kafkajs's INFO chatter is kept at debug). */
export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
}): KafkaClient {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        const method =
          KAFKAJS_LEVELS[level] === 'info' ? 'debug' : (KAFKAJS_LEVELS[level] ?? 'debug');
        log[method](rest, message);
      },
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
}

/**
 * One connected, idempotent producer shared by every publish of the process (connecting per
 * message would cost a round of metadata requests each time). `idempotent` with one request
 * in flight lets the broker drop the producer's own retries and keeps a key's messages in
 * order; `acks: -1` waits for all in-sync replicas.
 *
 * After a failed send the producer is discarded and the next publish connects a fresh one:
 * kafkajs's idempotent state after exhausted retries is not trustworthy, and the caller will
 * retry anyway. A fresh producer id means a retry may duplicate a message the broker did
 * store; consumers deduplicate by the event's per-order sequence.
 */
export function createKafkaPublisher(kafka: KafkaClient, logger: Logger): MessagePublisher {
  let producer: Promise<Producer> | undefined;
  let closed = false;

  const connected = (): Promise<Producer> => {
    if (!producer) {
      const created = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // murmur2 on the key, as the Java client: an order's events land on the same partition
        // whichever client (ours or a JVM tool re-driving them) produces them.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      producer = created.connect().then(() => created);
      // A failed connection is forgotten so the next publish tries again.
      producer.catch(() => {
        producer = undefined;
      });
    }
    return producer;
  };

  const discard = async (failed: Promise<Producer>) => {
    if (producer === failed) producer = undefined;
    await failed.then((p) => p.disconnect()).catch(() => undefined);
  };

  return {
    async publish(topic, messages) {
      if (closed) throw new Error('publisher is closed');
      if (messages.length === 0) return;
      const current = connected();
      try {
        await (
          await current
        ).send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        });
      } catch (error) {
        logger.warn({ err: error, topic }, 'publish failed; the producer will be recreated');
        await discard(current);
        throw error;
      }
    },
    async close() {
      closed = true;
      const current = producer;
      producer = undefined;
      if (current) await current.then((p) => p.disconnect()).catch(() => undefined);
    },
  };
}
