import type { CancellationReason, PlaceOrder } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { getOrderStateQuery } from '../../workflows/client';
import { orderWorkflowId } from '../../contracts/order';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { CUSTOMER_SCOPES, FINAL_STATUSES, type ApiClient } from '../chaos/api-client';
import { apiClientOf, sampleOrder } from './order-client';
import { startTestSystem, type TestSystem } from './system';

// The system as a client sees it: orders placed through the HTTP API run as sagas on the real
// servers, publish their events to Kafka, and are read back from the projected read models.

jest.setTimeout(180_000);

let system: TestSystem;
let api: ApiClient;

const call = <T = unknown>(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
) => api.json<T>(method, path, opts);

const customer = () => api.token('alice', CUSTOMER_SCOPES);
const support = () => api.support();

const order = (overrides: Partial<PlaceOrder> = {}) => sampleOrder('alice', overrides);

async function place(
  overrides: Partial<PlaceOrder> = {},
): Promise<{ orderId: string; version: number }> {
  const res = await call<{ orderId: string; status: string; version: number }>('POST', '/orders', {
    body: order(overrides),
    token: await customer(),
  });
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(`/orders/${res.body.orderId}`);
  return res.body;
}

/** Reads the order with minVersion until the read model shows `until`. */
const readUntil = (orderId: string, until: (o: OrderView) => boolean, timeoutMs?: number) =>
  api.readUntil(orderId, until, timeoutMs);

const final = (orderId: string) => readUntil(orderId, (o) => FINAL_STATUSES.includes(o.status));

/** The read model is exactly the saga's events: one timeline entry per sequence, 1..version. */
async function expectConsistentWithSaga(view: OrderView): Promise<void> {
  const state = await system.temporal.workflow
    .getHandle(orderWorkflowId(view.orderId))
    .query(getOrderStateQuery);
  expect(view.version).toBe(state.version);
  expect(view.timeline.map((t) => t.sequence)).toEqual(
    Array.from({ length: state.version }, (_, i) => i + 1),
  );
}

async function expectCancelled(orderId: string, reason: CancellationReason): Promise<OrderView> {
  const view = await final(orderId);
  expect({ status: view.status, reason: view.cancellationReason }).toEqual({
    status: 'CANCELLED',
    reason,
  });
  await expectConsistentWithSaga(view);
  return view;
}

/** The provider's delivery, signed with Standard Webhooks; `id` repeats for a redelivery. */
const webhook = (orderId: string, outcome: 'confirmed' | 'failed', id?: string) =>
  api.deliverWebhook(orderId, outcome, id);

beforeAll(async () => {
  installQuietRuntime();
  system = await startTestSystem('e2e-flow');
  api = apiClientOf(system);
  for (const [sku, unitPrice, available] of [
    ['KETTLE', 2_500, 1_000],
    ['TEAPOT', 1_200, 1_000],
    ['PIANO', 250_000, 10],
    ['RARE', 5_000, 1],
  ] as const) {
    const res = await call('PUT', `/inventory/${sku}`, {
      body: { name: sku.toLowerCase(), unitPrice, available },
      token: await support(),
    });
    expect([200, 201]).toContain(res.status);
  }
});

afterAll(async () => {
  await system?.stop();
});

it('completes an order placed through the API and serves its read model', async () => {
  const { orderId, version } = await place({
    items: [
      { sku: 'KETTLE', quantity: 2 },
      { sku: 'TEAPOT', quantity: 1 },
    ],
  });
  expect(version).toBe(1);
  const view = await final(orderId);
  expect(view).toMatchObject({
    orderId,
    customerId: 'alice',
    status: 'COMPLETED',
    total: 6_200,
    currency: 'EUR',
    payment: { status: 'CAPTURED' },
    shipment: { status: 'CREATED' },
  });
  expect(view.shipment.trackingNumber).toBeTruthy();
  expect(view.items).toEqual([
    { sku: 'KETTLE', quantity: 2, unitPrice: 2_500, lineTotal: 5_000 },
    { sku: 'TEAPOT', quantity: 1, unitPrice: 1_200, lineTotal: 1_200 },
  ]);
  await expectConsistentWithSaga(view);

  // Too late to cancel once shipped: the workflow's update validator says so.
  const cancel = await call<{ detail: string }>('POST', `/orders/${orderId}/cancel`, {
    token: await customer(),
  });
  expect(cancel.status).toBe(409);
  expect(cancel.headers.get('content-type')).toMatch(/application\/problem\+json/);
});

it.each<{ name: string; overrides: Partial<PlaceOrder>; reason: CancellationReason }>([
  {
    name: 'a declined card',
    overrides: { paymentToken: 'tok_declined' },
    reason: 'PAYMENT_DECLINED',
  },
  {
    name: 'a capture the provider declines',
    overrides: { paymentToken: 'tok_capture_fails' },
    reason: 'CAPTURE_FAILED',
  },
  {
    name: 'an unsupported destination',
    overrides: { shippingAddress: { ...order().shippingAddress, country: 'BR' } },
    reason: 'SHIPPING_UNAVAILABLE',
  },
  {
    name: 'an unknown SKU',
    overrides: { items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] },
    reason: 'UNKNOWN_SKU',
  },
  {
    name: 'more than the stock',
    overrides: { items: [{ sku: 'RARE', quantity: 5 }] },
    reason: 'OUT_OF_STOCK',
  },
])('cancels $name with reason $reason', async ({ overrides, reason }) => {
  const { orderId } = await place(overrides);
  const view = await expectCancelled(orderId, reason);
  expect(['NONE', 'DECLINED', 'VOIDED', 'REFUNDED']).toContain(view.payment.status);
});

it('a flaky provider is retried and the order completes', async () => {
  const { orderId } = await place({ paymentToken: 'tok_flaky' });
  expect((await final(orderId)).status).toBe('COMPLETED');
});

it('3-D Secure: the signed webhook confirms, and a failed confirmation cancels', async () => {
  const confirmed = await place({ paymentToken: 'tok_3ds' });
  const failed = await place({ paymentToken: 'tok_3ds' });
  for (const { orderId } of [confirmed, failed])
    await readUntil(orderId, (o) => o.status === 'AWAITING_PAYMENT_CONFIRMATION');

  expect(await webhook(confirmed.orderId, 'confirmed', `msg_${confirmed.orderId}`)).toBe(202);
  // The provider's redelivery of the same message: already processed (ids kept in MongoDB).
  expect(await webhook(confirmed.orderId, 'confirmed', `msg_${confirmed.orderId}`)).toBe(200);
  expect((await final(confirmed.orderId)).status).toBe('COMPLETED');

  expect(await webhook(failed.orderId, 'failed')).toBe(202);
  await expectCancelled(failed.orderId, 'PAYMENT_DECLINED');
});

it('the customer cancels before shipping: stock back, no charge', async () => {
  const { orderId } = await place({ paymentToken: 'tok_3ds' });
  await readUntil(orderId, (o) => o.status === 'AWAITING_PAYMENT_CONFIRMATION');
  const res = await call('POST', `/orders/${orderId}/cancel`, { token: await customer() });
  expect(res.status).toBe(202);
  const view = await expectCancelled(orderId, 'CUSTOMER_CANCELLED');
  expect(view.payment.status).not.toBe('CAPTURED');
});

it('large orders wait for support: approved completes, rejected cancels', async () => {
  const approved = await place({ items: [{ sku: 'PIANO', quantity: 1 }] });
  const rejected = await place({ items: [{ sku: 'PIANO', quantity: 1 }] });
  for (const { orderId } of [approved, rejected])
    await readUntil(orderId, (o) => o.status === 'AWAITING_APPROVAL');

  // Customers cannot decide; support can, once.
  expect(
    (await call('POST', `/orders/${approved.orderId}/approve`, { token: await customer() })).status,
  ).toBe(403);
  expect(
    (await call('POST', `/orders/${approved.orderId}/approve`, { token: await support() })).status,
  ).toBe(202);
  expect((await final(approved.orderId)).status).toBe('COMPLETED');
  expect(
    (await call('POST', `/orders/${approved.orderId}/approve`, { token: await support() })).status,
  ).toBe(409);

  expect(
    (await call('POST', `/orders/${rejected.orderId}/reject`, { token: await support() })).status,
  ).toBe(202);
  await expectCancelled(rejected.orderId, 'APPROVAL_REJECTED');
});

it('one idempotency key sent 20 times at once creates one saga and one payment', async () => {
  const key = `idem-${Date.now()}`;
  const replies = await Promise.all(
    Array.from({ length: 20 }, async () =>
      call<{ orderId: string }>('POST', '/orders', {
        body: order(),
        token: await customer(),
        headers: { 'idempotency-key': key },
      }),
    ),
  );
  expect(replies.map((r) => r.status)).toEqual(Array(20).fill(202));
  const ids = new Set(replies.map((r) => r.body.orderId));
  expect(ids.size).toBe(1);
  const [orderId] = [...ids];
  expect((await final(orderId)).status).toBe('COMPLETED');

  const payments = await system.mongo
    .db(system.dbs.payments)
    .collection('payments')
    .countDocuments({ orderId });
  expect(payments).toBe(1);
  const { executions } = await system.temporal.workflowService.listWorkflowExecutions({
    namespace: system.namespace,
    query: `WorkflowId = '${orderWorkflowId(orderId)}'`,
  });
  expect(executions).toHaveLength(1);

  // The same key with another body is a conflict, not a second order.
  const conflict = await call('POST', '/orders', {
    body: order({ items: [{ sku: 'TEAPOT', quantity: 3 }] }),
    token: await customer(),
    headers: { 'idempotency-key': key },
  });
  expect(conflict.status).toBe(409);
});

it('lists the customer’s orders newest first with a cursor', async () => {
  const first = await call<{ items: OrderView[]; nextCursor?: string }>(
    'GET',
    '/orders?customerId=alice&limit=2',
    { token: await customer() },
  );
  expect(first.status).toBe(200);
  expect(first.body.items).toHaveLength(2);
  expect(first.body.nextCursor).toBeTruthy();
  const second = await call<{ items: OrderView[] }>(
    'GET',
    `/orders?customerId=alice&limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    { token: await customer() },
  );
  const ids = [...first.body.items, ...second.body.items].map((o) => o.orderId);
  expect(new Set(ids).size).toBe(ids.length);
});
