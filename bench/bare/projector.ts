import type { Admin, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Collection, Db } from 'mongodb';
import { EVENT_HEADERS, headerString, type OrderEvent } from '../../contracts/event-envelope';
import type { OrderView } from '../../contracts/read-models';
import { evolveOrder } from '../../projections/fold/order-view';
import { DEFAULT_PARTITIONS_CONCURRENTLY } from '../../projections/runtime/config';
import { withTimeout } from '../pool';

// The projection row's baselines, on the projector's topic after the projector is done.
//
// The bare consumer is the row's baseline: the least a projector must do. Its own consumer
// group reads the whole backlog; per kafkajs batch it folds the events into order documents
// kept in memory, writes the batch's orders in one unordered bulk replace-upsert and commits
// the batch's offset, until its lag is 0. What the projector adds is left out: validation and
// upcasting, reading the stored documents, version guards, the recorded position, the
// aggregates, dead letters, chunking, liveness checks.
//
// The bare bulk write was the row's baseline before, kept so earlier ratios stay comparable:
// one replace-upsert per event from documents folded in advance, nothing consumed.

export interface BaselineFigure {
  seconds: number;
  eventsPerSecond: number;
}

export interface BareConsumerFigure extends BaselineFigure {
  /** kafkajs batches handled: one bulk write and one commit each. */
  batches: number;
  /** Messages consumed (the backlog, unless kafkajs delivered some twice). */
  consumed: number;
}

export interface BareConsumerOptions {
  kafka: Kafka;
  admin: Admin;
  db: Db;
  topic: string;
  /** A group of its own: it starts at the log start, as the projector's did. */
  groupId: string;
  collection: string;
  /** Events in the backlog, for the rate. */
  events: number;
  /** Bounds the consumption; the row fails instead of the run hanging. */
  limitMs: number;
  /** Called once the group is joined, before the timed consumption starts. */
  onJoined?: () => void;
  onProgress?: (text: string) => void;
}

type OrderDocuments = Collection<{ _id: string }>;

/** Replace-upserts the orders' current documents in one unordered bulk write. */
async function upsertOrders(collection: OrderDocuments, docs: Iterable<OrderView>): Promise<void> {
  const writes = [...docs].map((doc) => ({
    replaceOne: { filter: { _id: doc.orderId }, replacement: doc, upsert: true },
  }));
  if (writes.length > 0) await collection.bulkWrite(writes, { ordered: false });
}

/**
 * The event from its headers and JSON payload, unvalidated (the projector validates and
 * upcasts with zod: decodeEventMessage). Sound here only because the bench produced every
 * message itself from valid events; evolveOrder reads no attribute left out.
 */
function decodeUnchecked(message: KafkaMessage): OrderEvent {
  const header = (name: string) => headerString(message.headers, name) ?? '';
  return {
    id: header(EVENT_HEADERS.id),
    type: header(EVENT_HEADERS.type),
    schemaVersion: Number(header(EVENT_HEADERS.schemaVersion)),
    orderId: header(EVENT_HEADERS.subject),
    sequence: Number(header(EVENT_HEADERS.sequence)),
    occurredAt: header(EVENT_HEADERS.time),
    correlationId: header(EVENT_HEADERS.correlationId),
    causationId: header(EVENT_HEADERS.causationId),
    data: JSON.parse(message.value?.toString() ?? 'null') as unknown,
  } as unknown as OrderEvent;
}

/**
 * Resolves with the time at which every partition's committed offset has reached its end
 * offset (the backlog is complete before the consumer starts, so the end offsets are fixed).
 */
function lagTracker(ends: { partition: number; low: string; high: string }[]) {
  const remaining = new Map(
    ends.filter((p) => p.high !== p.low).map((p) => [p.partition, Number(p.high)]),
  );
  let reachedEnd!: (at: number) => void;
  const done = new Promise<number>((resolve) => (reachedEnd = resolve));
  if (remaining.size === 0) reachedEnd(performance.now());
  return {
    done,
    committed(partition: number, nextOffset: number) {
      const end = remaining.get(partition);
      if (end !== undefined && nextOffset >= end) remaining.delete(partition);
      if (remaining.size === 0) reachedEnd(performance.now());
    },
  };
}

/** Folds a batch, writes its orders once, commits its offset, then calls `afterCommit`. */
function bareBatchHandler(
  collection: OrderDocuments,
  afterCommit: (batch: EachBatchPayload['batch']) => void,
) {
  const docs = new Map<string, OrderView>();
  return async ({ batch, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload) => {
    if (batch.isEmpty()) return;
    const touched = new Map<string, OrderView>();
    for (const message of batch.messages) {
      const event = decodeUnchecked(message);
      const doc = evolveOrder(docs.get(event.orderId) ?? null, event);
      docs.set(event.orderId, doc);
      touched.set(event.orderId, doc);
    }
    await upsertOrders(collection, touched.values());
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
    afterCommit(batch);
  };
}

/**
 * Joins its group paused, so that joining is not timed (as the projector's group forms before
 * its backlog), then consumes from the resume until its lag is 0.
 */
export async function runBareConsumer(options: BareConsumerOptions): Promise<BareConsumerFigure> {
  const lag = lagTracker(await options.admin.fetchTopicOffsets(options.topic));
  const collection = options.db.collection<{ _id: string }>(options.collection);
  let batches = 0;
  let consumed = 0;
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    // While paused, kafkajs sleeps this long between fetch rounds, and a resume waits for the
    // sleep to end; with a backlog a fetch returns at once, whatever the setting (default 5 s).
    maxWaitTimeInMs: 10,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    // run() creates the group synchronously and resolves once joined: paused before any fetch.
    const running = consumer.run({
      partitionsConsumedConcurrently: DEFAULT_PARTITIONS_CONCURRENTLY,
      // As the projector: offsets resolved by hand once written, committed by threshold 1.
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      eachBatch: bareBatchHandler(collection, (batch) => {
        batches++;
        consumed += batch.messages.length;
        lag.committed(batch.partition, Number(batch.lastOffset()) + 1);
        options.onProgress?.(`bare consumer: ${consumed}/${options.events} events`);
      }),
    });
    consumer.pause([{ topic: options.topic }]);
    // A crash would restart the consumer unpaused (or not at all): the figure would be wrong.
    const crashed = new Promise<never>((_, reject) =>
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error)),
    );
    await Promise.race([running, crashed]);
    options.onJoined?.();
    const started = performance.now();
    consumer.resume([{ topic: options.topic }]);
    const doneAt = await withTimeout(
      Promise.race([lag.done, crashed]),
      options.limitMs,
      'bare consumer',
    );
    const seconds = (doneAt - started) / 1000;
    return { seconds, eventsPerSecond: options.events / seconds, batches, consumed };
  } finally {
    await consumer.disconnect();
  }
}

/** The former baseline: documents folded in advance, one replace-upsert per event, 500 a bulk. */
export async function runBareBulkWrite(
  db: Db,
  collectionName: string,
  events: readonly OrderEvent[],
  onProgress?: (text: string) => void,
): Promise<BaselineFigure> {
  const docs = new Map<string, OrderView>();
  const writes = events.map((event) => {
    const doc = evolveOrder(docs.get(event.orderId) ?? null, event);
    docs.set(event.orderId, doc);
    return { replaceOne: { filter: { _id: doc.orderId }, replacement: doc, upsert: true } };
  });
  const collection = db.collection<{ _id: string }>(collectionName);
  const started = performance.now();
  // The projector writes a chunk's orders in one bulk write; 500 is its default chunk.
  const chunk = 500;
  for (let i = 0; i < writes.length; i += chunk) {
    await collection.bulkWrite(writes.slice(i, i + chunk), { ordered: false });
    onProgress?.(`bulk write baseline: ${i}/${writes.length} upserts`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, eventsPerSecond: events.length / seconds };
}
