import {
  EVENT_HEADERS,
  InvalidEventError,
  decodeEventMessage,
  envelopeFromDraft,
  toEventMessage,
} from '../../contracts/event-envelope';
import { orderEventId, uuidV5 } from '../../contracts/event-id';
import { UnsupportedSchemaVersionError, upcast } from '../../contracts/event-upcasters';
import { EVENT_PAYLOADS, type OrderEventDraft } from '../../contracts/events';
import { foldOrder } from '../../projections/fold/order-view';
import { sagaEvents } from '../../testing/sample-streams';

const placedDraft: OrderEventDraft = {
  orderId: 'ord-1',
  sequence: 1,
  type: 'OrderPlaced',
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: {
    customerId: 'cust-1',
    currency: 'USD',
    items: [
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 3 },
    ],
    shippingCountry: 'US',
  },
};
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('event ids', () => {
  it('implement UUIDv5 (RFC 9562 test vector)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
  it('are derived from order id and sequence, so a retry carries the same id', () => {
    expect(orderEventId('ord-1', 1)).toBe(orderEventId('ord-1', 1));
    expect(orderEventId('ord-1', 1)).not.toBe(orderEventId('ord-1', 2));
    expect(orderEventId('ord-1', 12)).not.toBe(orderEventId('ord-11', 2));
  });
});

describe('CloudEvents binary mode on Kafka', () => {
  const event = envelopeFromDraft(placedDraft, { traceparent });
  const message = toEventMessage(event);

  it('puts the attributes in ce_* headers and the payload in the value, keyed by order', () => {
    expect(message.key).toBe('ord-1');
    expect(message.headers).toMatchObject({
      ce_id: orderEventId('ord-1', 1),
      ce_source: '/order-saga/orders',
      ce_type: 'OrderPlaced',
      ce_specversion: '1.0',
      ce_time: '2026-01-01T00:00:00.000Z',
      ce_subject: 'ord-1',
      'content-type': 'application/json',
      ce_schemaversion: '2',
      ce_sequence: '1',
      ce_correlationid: 'ord-1',
      ce_causationid: 'order:ord-1',
      traceparent,
    });
    expect(JSON.parse(message.value)).toEqual({ ...placedDraft.data, totalQuantity: 5 });
  });

  it('names the previous event as the cause of later events', () => {
    const next = envelopeFromDraft({
      orderId: 'ord-1',
      sequence: 2,
      type: 'OrderCompleted',
      occurredAt: placedDraft.occurredAt,
      data: { total: 1 },
    });
    expect(next.causationId).toBe(event.id);
    expect(toEventMessage(next).headers).not.toHaveProperty('traceparent');
  });

  it('decodes what it encodes', () => {
    const decoded = decodeEventMessage({
      headers: message.headers,
      value: Buffer.from(message.value),
    });
    expect(decoded).toEqual({ kind: 'event', event });
  });

  it('rejects a draft whose payload breaks its schema at the producer', () => {
    const bad = {
      ...placedDraft,
      data: { ...placedDraft.data, currency: 'dollars' },
    } as OrderEventDraft;
    expect(() => envelopeFromDraft(bad)).toThrow();
  });

  it('reports an unknown event type instead of failing', () => {
    const headers = { ...message.headers, [EVENT_HEADERS.type]: 'OrderGiftWrapped' };
    expect(decodeEventMessage({ headers, value: Buffer.from('{}') })).toEqual({
      kind: 'unknown-type',
      type: 'OrderGiftWrapped',
      orderId: 'ord-1',
      sequence: 1,
    });
  });

  it.each([
    ['a payload that is not JSON', { value: 'not json' }],
    ['a payload that breaks the schema', { value: JSON.stringify({ customerId: 1 }) }],
    [
      'a missing sequence',
      { headers: { ...message.headers, [EVENT_HEADERS.sequence]: undefined } },
    ],
    ['a non-CloudEvents message', { headers: {} }],
  ])('throws InvalidEventError for %s', (_name, change) => {
    expect(() =>
      decodeEventMessage({ headers: message.headers, value: message.value, ...change }),
    ).toThrow(InvalidEventError);
  });

  it('throws for a schema version newer than this consumer knows', () => {
    const headers = { ...message.headers, [EVENT_HEADERS.schemaVersion]: '3' };
    expect(() => decodeEventMessage({ headers, value: message.value })).toThrow(
      UnsupportedSchemaVersionError,
    );
  });
});

describe('schema evolution: OrderPlaced v1 → v2', () => {
  const v1Payload = placedDraft.data;

  it('v1 payloads do not satisfy the v2 schema by themselves', () => {
    expect(EVENT_PAYLOADS.OrderPlaced.safeParse(v1Payload).success).toBe(false);
  });

  it('the upcaster derives totalQuantity for v1 payloads', () => {
    expect(upcast('OrderPlaced', 1, v1Payload)).toEqual({ ...v1Payload, totalQuantity: 5 });
    expect(upcast('OrderPlaced', 2, { x: 1 })).toEqual({ x: 1 });
  });

  it('an old v1 event still folds to the same order view as the current event', () => {
    const events = sagaEvents({
      orderId: 'ord-9',
      customerId: 'cust-9',
      items: [{ sku: 'A', quantity: 4 }],
      outcome: 'completed',
      startMs: Date.UTC(2026, 0, 1),
    });
    const current = toEventMessage(events[0]);
    // As a producer built before v2 wrote it: version 1 header, no totalQuantity.
    const v1 = JSON.parse(current.value) as Record<string, unknown>;
    delete v1.totalQuantity;
    const old = decodeEventMessage({
      headers: { ...current.headers, [EVENT_HEADERS.schemaVersion]: '1' },
      value: Buffer.from(JSON.stringify(v1)),
    });
    expect(old.kind).toBe('event');
    if (old.kind !== 'event') return;
    expect(old.event.schemaVersion).toBe(2);
    expect(foldOrder([old.event, ...events.slice(1)])).toEqual(foldOrder(events));
  });
});
