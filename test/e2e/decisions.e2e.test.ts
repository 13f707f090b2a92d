import type { Consumer } from 'kafkajs';
import { decodeEventMessage, EVENT_HEADERS, headerString } from '../../contracts/event-envelope';
import { EVENT_SCHEMA_VERSIONS } from '../../contracts/events';
import type { OrderStatus } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { installQuietRuntime } from '../../testing/saga-test-env';
import type { ApiClient } from '../chaos/api-client';
import { apiClientOf, sampleOrder } from './order-client';
import { startTestSystem, type TestSystem } from './system';

// Nothing sent is dropped: who decided and why travel from support's request through the
// workflow into OrderApproved, OrderRejected and OrderCancelled (schema v2) on Kafka, and from
// there into the order's read model, which the API serves. On the real servers, read back from
// both ends: the raw events on the system's topic, and GET /orders/{id}.

jest.setTimeout(180_000);

let system: TestSystem;
let api: ApiClient;
let reader: Consumer;

/** Every event on the system's topic, as produced: type, schema version and raw payload. */
interface RawEvent {
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  /** How the projector's decoder reads it ('event' when valid). */
  decoded: string;
}
const eventsByOrder = new Map<string, RawEvent[]>();

const reaches = (status: OrderStatus) => (o: OrderView) => o.status === status;

beforeAll(async () => {
  installQuietRuntime();
  system = await startTestSystem('e2e-decisions');
  api = apiClientOf(system);
  await api.putSku('PIANO', 100, 250_000); // above the approval threshold: support decides
  await api.putSku('KETTLE', 100, 2_500);

  reader = system.kafka.consumer({ groupId: `${system.topic}.decisions-reader` });
  await reader.connect();
  await reader.subscribe({ topic: system.topic, fromBeginning: true });
  await reader.run({
    eachMessage: ({ message }) => {
      const orderId = message.key?.toString() ?? '';
      const event: RawEvent = {
        type: headerString(message.headers, EVENT_HEADERS.type) ?? '',
        schemaVersion: Number(headerString(message.headers, EVENT_HEADERS.schemaVersion)),
        data: JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>,
        decoded: decodeEventMessage(message).kind,
      };
      eventsByOrder.set(orderId, [...(eventsByOrder.get(orderId) ?? []), event]);
      return Promise.resolve();
    },
  });
});

afterAll(async () => {
  await reader?.disconnect();
  await system?.stop();
});

beforeEach(() => {
  expect.hasAssertions();
});

/** The order's event of `type` as it is on Kafka, once the reader has seen it. */
async function eventOnKafka(orderId: string, type: string): Promise<RawEvent> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const event = eventsByOrder.get(orderId)?.find((e) => e.type === type);
    if (event) {
      expect(event.decoded).toBe('event'); // as the projector reads it, too
      return event;
    }
    if (Date.now() > deadline) throw new Error(`no ${type} of ${orderId} on ${system.topic}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function largeOrderAwaitingApproval(customerId: string): Promise<string> {
  const { status, orderId } = await api.placeOrder(
    sampleOrder(customerId, { items: [{ sku: 'PIANO', quantity: 1 }] }),
  );
  expect(status).toBe(202);
  await api.readUntil(orderId!, reaches('AWAITING_APPROVAL'));
  return orderId!;
}

const post = async (path: string, sub: string) =>
  (await api.request('POST', path, { token: await api.support(sub) })).status;

it('an approval names who approved, on Kafka and in the order view', async () => {
  const orderId = await largeOrderAwaitingApproval('dana');
  expect(await post(`/orders/${orderId}/approve`, 'support-approver')).toBe(202);

  const approved = await eventOnKafka(orderId, 'OrderApproved');
  expect(approved.schemaVersion).toBe(EVENT_SCHEMA_VERSIONS.OrderApproved);
  expect(approved.schemaVersion).toBeGreaterThanOrEqual(2);
  expect(approved.data.decidedBy).toBe('support-approver');

  const view = await api.readUntil(orderId, reaches('COMPLETED'));
  expect(view.approval).toMatchObject({ decision: 'APPROVED', decidedBy: 'support-approver' });
});

it('a rejection names who rejected, in OrderRejected, OrderCancelled and the order view', async () => {
  const orderId = await largeOrderAwaitingApproval('emil');
  expect(await post(`/orders/${orderId}/reject`, 'support-rejecter')).toBe(202);

  const rejected = await eventOnKafka(orderId, 'OrderRejected');
  expect(rejected.schemaVersion).toBe(EVENT_SCHEMA_VERSIONS.OrderRejected);
  expect(rejected.data).toMatchObject({
    reason: 'APPROVAL_REJECTED',
    decidedBy: 'support-rejecter',
  });
  const cancelled = await eventOnKafka(orderId, 'OrderCancelled');
  expect(cancelled.data).toMatchObject({
    reason: 'APPROVAL_REJECTED',
    decidedBy: 'support-rejecter',
  });

  const view = await api.readUntil(orderId, reaches('CANCELLED'));
  expect(view).toMatchObject({
    cancellationReason: 'APPROVAL_REJECTED',
    cancelledBy: 'support-rejecter',
    approval: { decision: 'REJECTED', decidedBy: 'support-rejecter' },
  });
});

it("support's cancellation names who cancelled and why, on Kafka and in the order view", async () => {
  // 3-D Secure: the order waits for the provider's confirmation, so it is still cancellable.
  const { status, orderId } = await api.placeOrder(
    sampleOrder('fritz', { paymentToken: 'tok_3ds' }),
  );
  expect(status).toBe(202);
  await api.readUntil(orderId!, reaches('AWAITING_PAYMENT_CONFIRMATION'));
  expect(await post(`/orders/${orderId}/cancel`, 'support-canceller')).toBe(202);

  const cancelled = await eventOnKafka(orderId!, 'OrderCancelled');
  expect(cancelled.schemaVersion).toBe(EVENT_SCHEMA_VERSIONS.OrderCancelled);
  expect(cancelled.data).toMatchObject({
    reason: 'CUSTOMER_CANCELLED',
    decidedBy: 'support-canceller',
  });
  // Why: the reason the API sends with a support cancellation.
  expect(cancelled.data.note).toEqual(expect.stringMatching(/\S/));

  const view = await api.readUntil(orderId!, reaches('CANCELLED'));
  expect(view).toMatchObject({
    cancellationReason: 'CUSTOMER_CANCELLED',
    cancelledBy: 'support-canceller',
    cancellationNote: cancelled.data.note,
  });
  expect(view.approval).toBeUndefined();
});
