import { decodeEventMessage, EVENT_HEADERS, toEventMessage } from '../../contracts/event-envelope';
import { EVENT_SCHEMA_VERSIONS } from '../../contracts/events';
import type { OrderEvent } from '../../contracts/event-envelope';
import { upcast } from '../../contracts/event-upcasters';
import { foldOrder } from '../../projections/fold/order-view';
import { sagaEvents } from '../../testing/sample-streams';

// Schema evolution: who decided and why (decidedBy, note) joined OrderApproved, OrderRejected
// and OrderCancelled in v2. v1 schemas allowed no other field (AsyncAPI: additionalProperties
// false), hence the new version; v1 events still decode and fold.

/** A saga that names nobody: its v2 events hold exactly what v1 could. */
const spec = {
  orderId: 'ord-d',
  customerId: 'cust-d',
  items: [{ sku: 'A', quantity: 1 }],
  startMs: Date.UTC(2026, 0, 1),
  answers: { decision: {} },
};

/** `event` as a producer built before v2 wrote it: version 1, only the v1 fields. */
function asV1(event: OrderEvent, v1Fields: readonly string[]) {
  const current = toEventMessage(event);
  const value = JSON.parse(current.value) as Record<string, unknown>;
  const v1 = Object.fromEntries(Object.entries(value).filter(([k]) => v1Fields.includes(k)));
  return decodeEventMessage({
    headers: { ...current.headers, [EVENT_HEADERS.schemaVersion]: '1' },
    value: Buffer.from(JSON.stringify(v1)),
  });
}

it('the three events are at v2', () => {
  expect(EVENT_SCHEMA_VERSIONS).toMatchObject({
    OrderApproved: 2,
    OrderRejected: 2,
    OrderCancelled: 2,
  });
});

it('v1 payloads upcast unchanged: they name nobody', () => {
  expect(upcast('OrderApproved', 1, { decidedBy: 'support-1' })).toEqual({
    decidedBy: 'support-1',
  });
  expect(upcast('OrderRejected', 1, { reason: 'APPROVAL_TIMEOUT' })).toEqual({
    reason: 'APPROVAL_TIMEOUT',
  });
  expect(upcast('OrderCancelled', 1, { reason: 'OUT_OF_STOCK', message: 'm' })).toEqual({
    reason: 'OUT_OF_STOCK',
    message: 'm',
  });
});

it.each([
  ['approved-then-completed', 'OrderApproved', ['decidedBy']],
  ['approval-rejected', 'OrderRejected', ['reason', 'decidedBy']],
  ['approval-rejected', 'OrderCancelled', ['reason', 'message']],
  ['customer-cancelled', 'OrderCancelled', ['reason', 'message']],
] as const)('%s: a v1 %s folds as the same event at v2', (outcome, type, v1Fields) => {
  const events = sagaEvents({ ...spec, outcome });
  const index = events.findIndex((e) => e.type === type);
  const old = asV1(events[index], v1Fields);
  expect(old.kind).toBe('event');
  if (old.kind !== 'event') return;
  expect(old.event.schemaVersion).toBe(2);
  expect(old.event.data).toEqual(events[index].data);
  const stream = events.map((e, i) => (i === index ? old.event : e));
  expect(foldOrder(stream)).toEqual(foldOrder(events));
});
