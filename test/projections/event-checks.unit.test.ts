import { DLT_HEADERS } from '../../contracts/dead-letter';
import type { EventMessage, OrderEvent } from '../../contracts/event-envelope';
import { EVENT_HEADERS, toEventMessage } from '../../contracts/event-envelope';
import { orderEventId } from '../../contracts/event-id';
import { RejectedEventError, identityMismatch } from '../../projections/fold/event-checks';
import { foldOrder } from '../../projections/fold/order-view';
import { planBatch } from '../../projections/fold/plan-batch';
import { deadLetterMessage } from '../../projections/runtime/dead-letter';
import type { ConsumedMessage } from '../../projections/runtime/process-batch';
import { decodeItem, processBatch } from '../../projections/runtime/process-batch';
import {
  orderStream,
  placed,
  priced,
  SAGA_OUTCOMES,
  sagaEvents,
} from '../../testing/sample-streams';
import { InMemoryProjectionStore } from './in-memory-store';

// The projector's identity checks (projections/fold/event-checks.ts), through the same decode,
// plan and guarded writes the projector runs, over the in-memory store: a message forged at the
// order's stored version + 1 is parked with its reason and the real event with that number is
// applied after it.

const real = orderStream('ord-1', [placed(), priced]);
/** A well-formed event at the real #2's number that would cancel the order if applied. */
const forgedAt2 = orderStream('ord-1', [
  placed(),
  { type: 'OrderCancelled', data: { reason: 'OUT_OF_STOCK' } },
])[1];

/** An event message as a producer might send it, with any key or none. */
type Sent = Omit<EventMessage, 'key'> & { key: string | null };

const consumed = (m: Sent, offset: number): ConsumedMessage => ({
  offset: String(offset),
  key: m.key === null ? null : Buffer.from(m.key),
  value: Buffer.from(m.value),
  headers: m.headers,
});
const message = (event: OrderEvent, change: Partial<Sent> = {}): Sent => ({
  ...toEventMessage(event),
  ...change,
});
const withHeaders = (event: OrderEvent, headers: Record<string, string>): Sent => {
  const m = toEventMessage(event);
  return { ...m, headers: { ...m.headers, ...headers } };
};

/** Projects `batches` of one partition in turn; returns the store and what was dead-lettered. */
async function project(batches: Sent[][]) {
  const store = new InMemoryProjectionStore();
  const parked: { offset: string; error: Error }[] = [];
  const counts = [];
  let offset = 0;
  for (const batch of batches) {
    const messages = batch.map((m) => consumed(m, offset++));
    counts.push(
      await processBatch(
        {
          store,
          deadLetter: (m, error) => {
            parked.push({ offset: m.offset, error });
            return Promise.resolve();
          },
        },
        0,
        messages,
      ),
    );
  }
  return { store, parked, counts };
}

const reasonOf = (error: Error) =>
  error instanceof RejectedEventError ? error.reason : error.name;

describe('identity checks: the message key must be ce_subject', () => {
  it.each([
    ['another order', 'ord-2'],
    ['no key at all', null],
  ])('a forged event keyed by %s is dead-lettered as key-mismatch, not folded', async (_n, key) => {
    const forged = message(forgedAt2, { key });
    const { store, parked, counts } = await project([[message(real[0]), forged, message(real[1])]]);

    expect(parked.map((p) => [p.offset, reasonOf(p.error)])).toEqual([['1', 'key-mismatch']]);
    expect(store.orders.get('ord-1')).toEqual(foldOrder(real));
    expect(counts).toEqual([{ applied: 2, duplicate: 0, unknownType: 0, deadLettered: 1 }]);
  });

  it('says why in the dead letter', () => {
    const forged = consumed(message(forgedAt2, { key: 'ord-2' }), 7);
    const item = decodeItem(forged);
    expect(item.result.kind).toBe('invalid');
    if (item.result.kind !== 'invalid') return;
    const letter = deadLetterMessage({
      topic: 'order.events',
      partition: 0,
      groupId: 'g',
      message: forged,
      error: item.result.error,
    });
    expect(letter.headers?.[DLT_HEADERS.exceptionFqcn]).toBe('RejectedEventError');
    expect(letter.headers?.[DLT_HEADERS.exceptionMessage]).toBe(
      'key-mismatch: message key "ord-2" is not ce_subject "ord-1"',
    );
  });
});

describe('identity checks: ce_id must be the id of (order, sequence)', () => {
  it.each([
    ['the id of another number of the order', orderEventId('ord-1', 3)],
    ['the id of the same number of another order', orderEventId('ord-2', 2)],
    ['a random UUID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
  ])('a forged event carrying %s is dead-lettered as id-mismatch, not folded', async (_n, id) => {
    const forged = withHeaders(forgedAt2, { [EVENT_HEADERS.id]: id });
    const { store, parked, counts } = await project([[message(real[0]), forged, message(real[1])]]);

    expect(parked.map((p) => [p.offset, reasonOf(p.error)])).toEqual([['1', 'id-mismatch']]);
    expect(store.orders.get('ord-1')).toEqual(foldOrder(real));
    expect(counts).toEqual([{ applied: 2, duplicate: 0, unknownType: 0, deadLettered: 1 }]);
  });
});

describe('unknown event types', () => {
  const unknownAt2 = withHeaders(forgedAt2, { [EVENT_HEADERS.type]: 'OrderGiftWrapped' });

  it('are dead-lettered as unknown-type without advancing the version; the real event with that number then applies', async () => {
    const { store, parked, counts } = await project([
      [message(real[0]), unknownAt2],
      [message(real[1])],
    ]);

    expect(parked.map((p) => [p.offset, reasonOf(p.error)])).toEqual([['1', 'unknown-type']]);
    expect(counts[0]).toEqual({ applied: 1, duplicate: 0, unknownType: 1, deadLettered: 0 });
    expect(counts[1]).toEqual({ applied: 1, duplicate: 0, unknownType: 0, deadLettered: 0 });
    expect(store.orders.get('ord-1')).toEqual(foldOrder(real));
  });

  it('leave the stored order untouched in the plan', () => {
    const stored = new Map([['ord-1', foldOrder(real.slice(0, 1))!]]);
    const plan = planBatch([decodeItem(consumed(unknownAt2, 1))], stored);
    expect(plan.orderWrites).toEqual([]);
    expect(plan.deadLetters.map((d) => reasonOf(d.error))).toEqual(['unknown-type']);
  });

  it('are refused for their key first when the key is wrong too', () => {
    const item = decodeItem(consumed({ ...unknownAt2, key: 'ord-2' }, 1));
    expect(item.result.kind === 'invalid' && reasonOf(item.result.error)).toBe('key-mismatch');
  });
});

describe('what the producer and the test builders publish', () => {
  it('passes the checks: every saga outcome, and an OrderPlaced v1 that is upcast on read', async () => {
    const streams = SAGA_OUTCOMES.map((outcome, i) =>
      sagaEvents({
        orderId: `ord-${i}`,
        customerId: 'cust-1',
        items: [{ sku: 'A', quantity: 1 }],
        outcome,
        startMs: Date.UTC(2026, 0, 1),
      }),
    );
    const first = toEventMessage(streams[0][0]);
    const v1 = JSON.parse(first.value) as Record<string, unknown>;
    delete v1.totalQuantity;
    const oldFirst = {
      ...first,
      value: JSON.stringify(v1),
      headers: { ...first.headers, [EVENT_HEADERS.schemaVersion]: '1' },
    };
    const { store, parked } = await project([
      [oldFirst, ...streams[0].slice(1).map((e) => message(e))],
      ...streams.slice(1).map((s) => s.map((e) => message(e))),
    ]);

    expect(parked).toEqual([]);
    for (const stream of streams) {
      expect(store.orders.get(stream[0].orderId)).toEqual(foldOrder(stream));
    }
    for (const event of streams.flat()) {
      expect(identityMismatch({ ...event, key: toEventMessage(event).key })).toBeUndefined();
    }
  });
});
