import { trace, type Link, type Tracer } from '@opentelemetry/api';
import type { DecodeResult, RawHeaders } from '../../contracts/event-envelope';
import { decodeEventMessage, EVENT_HEADERS, headerString } from '../../contracts/event-envelope';
import { contextFromTraceHeaders, tracerOf } from '../../lib/tracing';
import type { ProjectionStore } from '../store/mongo-store';
import { identityMismatch } from '../fold/event-checks';
import type { BatchItem, BatchPlan } from '../fold/plan-batch';
import { planBatch } from '../fold/plan-batch';

/** A consumed message, independent of the Kafka client. */
export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RawHeaders;
  timestamp?: string;
}

export interface BatchPorts {
  store: ProjectionStore;
  /**
   * The offset the caller last moved this partition's consumer back to (see
   * ReadModelBehindError), if the chunk is the first one read since: a chunk that starts later
   * is accepted, since the log holds no message in between.
   */
  resumedAt?: number;
  /** Must resolve only once the dead letter is durably stored (it is never retried later). */
  deadLetter(message: ConsumedMessage, error: Error): Promise<void>;
  /** Test seam: runs between the aggregates write and the orders write. */
  afterAggregates?: () => Promise<void> | void;
  /** Spans `projection.fold` and `readmodel.write`; default: the global (no-op) tracer. */
  tracer?: Tracer;
}

/**
 * The read model's own position in the partition is before the chunk: events the consumer
 * already got past are missing from it (a write that was acknowledged and then lost, or a
 * position never recorded). Nothing of the chunk was written; the caller must read the
 * partition again from `resumeAt`. Duplicates are harmless, so reading again is always safe.
 */
export class ReadModelBehindError extends Error {
  constructor(
    readonly partition: number,
    readonly resumeAt: number,
    readonly chunkStart: number,
  ) {
    super(
      `read model is at offset ${resumeAt} of partition ${partition}, the consumer at ${chunkStart}`,
    );
    this.name = 'ReadModelBehindError';
  }
}

/** The producers' span contexts, from each message's `traceparent` header (W3C). */
function producerContexts(messages: readonly ConsumedMessage[]) {
  return messages.flatMap((m) => {
    const traceparent = headerString(m.headers, EVENT_HEADERS.traceparent);
    if (!traceparent) return [];
    const ctx = contextFromTraceHeaders({
      traceparent,
      tracestate: headerString(m.headers, EVENT_HEADERS.tracestate),
    });
    const span = trace.getSpanContext(ctx);
    return span ? [{ ctx, span }] : [];
  });
}

/**
 * A message as the plan sees it: decoded, or `invalid` when it cannot be decoded or its key or
 * `ce_id` disagree with its order and sequence (projections/fold/event-checks.ts).
 */
export function decodeItem(message: ConsumedMessage): BatchItem {
  let result: DecodeResult;
  try {
    result = decodeEventMessage(message);
  } catch (error) {
    return {
      offset: message.offset,
      result: { kind: 'invalid', error: error instanceof Error ? error : new Error(String(error)) },
    };
  }
  const claimed = result.kind === 'event' ? result.event : result;
  const mismatch = identityMismatch({
    key: message.key?.toString() ?? null,
    id: headerString(message.headers, EVENT_HEADERS.id),
    orderId: claimed.orderId,
    sequence: claimed.sequence,
  });
  return {
    offset: message.offset,
    result: mismatch ? { kind: 'invalid', error: mismatch } : result,
  };
}

/**
 * Projects one partition's batch; when it resolves, everything it did is durable and its
 * offsets may be committed. The write order is explained in plan-batch.ts. Throws
 * ReadModelBehindError, having written nothing, when the read model's recorded position is
 * before the batch.
 */
export async function processBatch(
  ports: BatchPorts,
  partition: number,
  messages: readonly ConsumedMessage[],
): Promise<BatchPlan['counts']> {
  if (messages.length === 0) return { applied: 0, duplicate: 0, unknownType: 0, deadLettered: 0 };
  const tracer = ports.tracer ?? tracerOf();
  // One fold covers many events, possibly of many traces: it continues the trace of the last
  // traced event (a single order's events share one) and links every event it folded.
  const producers = producerContexts(messages);
  const links: Link[] = producers.map((p) => ({ context: p.span }));
  const parent = producers.at(-1)?.ctx ?? contextFromTraceHeaders({});
  return tracer.startActiveSpan(
    'projection.fold',
    {
      links,
      attributes: {
        'messaging.kafka.destination.partition': partition,
        'messaging.batch.message_count': messages.length,
      },
    },
    parent,
    async (span) => {
      try {
        return await fold(ports, tracer, partition, messages);
      } finally {
        span.end();
      }
    },
  );
}

/** The distinct keys of the messages: the ids of the orders a chunk's events belong to. */
function keyedOrderIds(messages: readonly ConsumedMessage[]): string[] {
  const ids = new Set<string>();
  for (const { key } of messages) if (key) ids.add(key.toString());
  return [...ids];
}

async function fold(
  ports: BatchPorts,
  tracer: Tracer,
  partition: number,
  messages: readonly ConsumedMessage[],
): Promise<BatchPlan['counts']> {
  // The orders are read by their keys (an event's key is its order id, or it is dead-lettered),
  // so that the events are decoded and validated while the read is in flight.
  const storedRead = ports.store.loadOrders(partition, keyedOrderIds(messages));
  void storedRead.catch(() => undefined); // awaited below; never unhandled should decoding throw
  const items = messages.map(decodeItem);
  const stored = await storedRead;
  // Read after the documents: a loss those documents show is then shown by the position too.
  // One round trip per chunk that stays: without it a chunk could be folded onto a read model
  // that lost acknowledged writes, and its aggregate marks would then hide the loss for good.
  // A position write conditional on the one this instance last wrote instead would find the
  // loss only after those writes, or after dead-lettering a gap, since a loss need not show on
  // this client's connections (test/projections/lost-writes-check.unit.test.ts).
  const start = Number(messages[0].offset);
  const positionRead = ports.store.loadPosition(partition);
  // Planned while the position is read: pure, and discarded if the read model is behind. The
  // read gets a handler at once, so a failure is never unhandled should planning throw.
  void positionRead.catch(() => undefined);
  const plan = planBatch(items, stored);
  const position = (await positionRead) ?? 0;
  if (position < start && position !== ports.resumedAt) {
    throw new ReadModelBehindError(partition, position, start);
  }
  const byOffset = new Map(messages.map((m) => [m.offset, m]));
  for (const { offset, error } of plan.deadLetters) {
    await ports.deadLetter(byOffset.get(offset)!, error);
  }
  await tracer.startActiveSpan(
    'readmodel.write',
    { attributes: { 'db.system': 'mongodb', 'order.writes': plan.orderWrites.length } },
    async (span) => {
      try {
        await ports.store.applyAggregates(partition, plan.customerOps, plan.skuOps);
        await ports.afterAggregates?.();
        await ports.store.writeOrders(partition, plan.orderWrites);
        // Last, so a position is only ever recorded behind writes that completed. A command of its
        // own: positions stay out of the read-model collections, which the API lists unfiltered.
        await ports.store.savePosition(partition, Number(messages[messages.length - 1].offset) + 1);
      } finally {
        span.end();
      }
    },
  );
  return plan.counts;
}
