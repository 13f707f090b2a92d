import type { Kafka as KafkaClient, Message, Producer } from 'kafkajs';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { KafkaSecurity } from './connections';
import type { Logger } from './logger';
import { withDeadline } from './deadline';
import { kafkaLogCreator } from './kafka-log';
import { countKafkaRequests, type KafkaRequestMetrics } from './kafka-request-metrics';

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

/**
 * A kafkajs client that logs through our logger (kafkajs's INFO chatter is kept at debug), with
 * the TLS and SASL settings of lib/connections.ts when the cluster asks for them.
 */
export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
  security?: KafkaSecurity;
  /** Counts the requests of its producers, consumers and admins (lib/kafka-request-metrics.ts). */
  metrics?: KafkaRequestMetrics;
}): KafkaClient {
  const log = options.logger.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...options.security,
    logLevel: logLevel.WARN,
    // Start-up noise (a coordinator still loading) stays at debug unless it persists.
    logCreator: kafkaLogCreator(log),
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  if (options.metrics) countKafkaRequests(kafka, options.metrics, options.clientId);
  return kafka;
}

export interface KafkaPublisherOptions {
  /**
   * Most bytes (keys, values, headers) one send carries when it coalesces publishes; a single
   * publish larger than this still goes, alone. Kept well under the broker's per-partition
   * batch limit (message.max.bytes, 1 MiB by default). Default 512 KiB.
   */
  maxBatchBytes?: number;
  /** A send (connect included) not settled by then fails, and its callers retry. Default 60 s. */
  sendTimeoutMs?: number;
}

interface QueuedPublish {
  topic: string;
  messages: Message[];
  /** Non-null keys of its messages: what per-key ordering is about. */
  keys: Set<string>;
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

const RECORD_OVERHEAD_BYTES = 16;

function sizeOf(m: OutgoingMessage): number {
  const len = (x: string | Buffer | null | undefined) =>
    x == null ? 0 : typeof x === 'string' ? Buffer.byteLength(x) : x.length;
  let bytes = RECORD_OVERHEAD_BYTES + len(m.key) + len(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) bytes += len(k) + len(v);
  return bytes;
}

/**
 * One connected, idempotent producer shared by every publish of the process (connecting per
 * message would cost a round of metadata requests each time). `idempotent` with one request
 * in flight lets the broker drop the producer's own retries and keeps a key's messages in
 * order; `acks: -1` waits for all in-sync replicas.
 *
 * Publishes are coalesced: one send is in flight at a time, and the publishes that arrive
 * meanwhile go together into the next one (same topic, in arrival order, up to
 * `maxBatchBytes`). kafkajs's idempotent producer sends one request per broker at a time
 * anyway (its per-broker lock), so separate sends queue behind each other for one round trip
 * each; one send of many messages costs about one. Each caller's promise settles with the
 * send that carried its messages: it resolves once they are acknowledged by all in-sync
 * replicas, and rejects with that send's error. A key's messages keep their order: a send
 * completes before the next starts, and within a send messages are in arrival order.
 *
 * After a failed send the producer is discarded and the next publish connects a fresh one:
 * kafkajs's idempotent state after exhausted retries is not trustworthy, and the caller will
 * retry anyway. Every caller of the failed send gets its error. Publishes still queued behind
 * it that share a key with it (or with one of them) are rejected too, so that a key's later
 * message never overtakes its earlier one that failed and will be retried; the rest go out on
 * the fresh producer. A fresh producer id means a retry may duplicate a message the broker did
 * store; consumers deduplicate by the event's per-order sequence.
 */
export function createKafkaPublisher(
  kafka: KafkaClient,
  logger: Logger,
  options: KafkaPublisherOptions = {},
): MessagePublisher {
  const maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
  const sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
  const producer = createProducerSlot(kafka);
  let closed = false;
  let queue: QueuedPublish[] = [];
  /** The send in flight, if any (one at a time). */
  let inFlight: Promise<void> | undefined;

  const send = async (batch: QueuedPublish[]) => {
    const { topic } = batch[0];
    let current: Promise<Producer> | undefined;
    try {
      current = producer.connected();
      const sending = current.then((p) =>
        p.sendBatch({
          acks: -1,
          topicMessages: [{ topic, messages: batch.flatMap((q) => q.messages) }],
        }),
      );
      // Every publish of the process waits behind this send: a connect or send that never
      // settles must not stop them all, so it counts as failed after sendTimeoutMs.
      await withDeadline('Kafka send', sendTimeoutMs, () => sending);
    } catch (error) {
      const { blocked, rest } = sharingKeysWith(batch, queue);
      queue = rest;
      failSend(logger, error, batch, blocked);
      // The next send connects a fresh producer; the old one is disconnected meanwhile (not
      // awaited: a disconnect from a broken connection can hang as well).
      if (current) void producer.discard(current);
      return;
    }
    for (const q of batch) q.resolve();
  };

  /** Starts the next send unless one is in flight; each send's end starts the one after. */
  const pump = (): void => {
    if (inFlight || queue.length === 0) return;
    const { batch, rest } = takeBatch(queue, maxBatchBytes);
    queue = rest;
    inFlight = send(batch)
      // Only if send itself broke: no caller is left waiting (settled promises ignore this).
      .catch((error: unknown) => {
        for (const q of batch) q.reject(error);
      })
      .then(() => {
        inFlight = undefined;
        pump();
      });
  };

  return {
    publish(topic, messages) {
      if (closed) return Promise.reject(new Error('publisher is closed'));
      if (messages.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push(queuedPublish(topic, messages, resolve, reject));
        pump();
      });
    },
    async close() {
      closed = true;
      // Publishes already accepted are sent (or fail) before the producer goes.
      while (inFlight) await inFlight;
      await producer.close();
    },
  };
}

function queuedPublish(
  topic: string,
  messages: readonly OutgoingMessage[],
  resolve: () => void,
  reject: (error: unknown) => void,
): QueuedPublish {
  return {
    topic,
    messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    keys: new Set(messages.flatMap((m) => (m.key === null ? [] : [m.key]))),
    bytes: messages.reduce((n, m) => n + sizeOf(m), 0),
    resolve,
    reject,
  };
}

/** The one producer of a publisher: connected on first use, replaced after a failed send. */
function createProducerSlot(kafka: KafkaClient) {
  let producer: Promise<Producer> | undefined;
  return {
    connected(): Promise<Producer> {
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
    },
    async discard(failed: Promise<Producer>): Promise<void> {
      if (producer === failed) producer = undefined;
      await failed.then((p) => p.disconnect()).catch(() => undefined);
    },
    async close(): Promise<void> {
      const current = producer;
      producer = undefined;
      if (current) await current.then((p) => p.disconnect()).catch(() => undefined);
    },
  };
}

/** The next send: the head's topic, its publishes in arrival order, up to the byte cap. */
function takeBatch(
  queue: readonly QueuedPublish[],
  maxBatchBytes: number,
): { batch: QueuedPublish[]; rest: QueuedPublish[] } {
  const { topic } = queue[0];
  const batch: QueuedPublish[] = [];
  const rest: QueuedPublish[] = [];
  let bytes = 0;
  let full = false;
  for (const q of queue) {
    // Stop at the first publish of the topic that does not fit (never skip past it: a later
    // one may share its key).
    if (q.topic !== topic || full) rest.push(q);
    else if (batch.length > 0 && bytes + q.bytes > maxBatchBytes) {
      full = true;
      rest.push(q);
    } else {
      batch.push(q);
      bytes += q.bytes;
    }
  }
  return { batch, rest };
}

/** The queued publishes that share a key with the failed ones (transitively), and the rest. */
function sharingKeysWith(
  failed: readonly QueuedPublish[],
  queue: readonly QueuedPublish[],
): { blocked: QueuedPublish[]; rest: QueuedPublish[] } {
  const { topic } = failed[0];
  const failedKeys = new Set(failed.flatMap((q) => [...q.keys].map((k) => `${topic}\0${k}`)));
  const blocked: QueuedPublish[] = [];
  const rest = queue.filter((q) => {
    const keys = [...q.keys].map((k) => `${q.topic}\0${k}`);
    if (!keys.some((k) => failedKeys.has(k))) return true;
    for (const k of keys) failedKeys.add(k);
    blocked.push(q);
    return false;
  });
  return { blocked, rest };
}

/** Every caller of the failed send gets its error; the publishes blocked behind it fail too. */
function failSend(
  logger: Logger,
  error: unknown,
  batch: readonly QueuedPublish[],
  blocked: readonly QueuedPublish[],
): void {
  logger.warn(
    {
      err: error,
      topic: batch[0].topic,
      publishes: batch.length,
      messages: batch.reduce((n, q) => n + q.messages.length, 0),
      blockedPublishes: blocked.length,
    },
    'publish failed; the producer will be recreated',
  );
  for (const q of batch) q.reject(error);
  const behind = new Error(
    `not sent: an earlier message with the same key failed (${error instanceof Error ? error.message : String(error)})`,
    { cause: error },
  );
  for (const q of blocked) q.reject(behind);
}
