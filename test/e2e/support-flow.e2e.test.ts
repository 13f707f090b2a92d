import { randomUUID } from 'node:crypto';
import { PAYMENTS_COLLECTION } from '../../activities/payments/ledger';
import { createTemporalOrderCommands } from '../../api/adapters/temporal-order-commands';
import type { OrderStatus, PlaceOrder } from '../../contracts/order';
import { orderWorkflowId } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { getOrderStateQuery } from '../../workflows/client';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { CUSTOMER_SCOPES, type ApiClient } from '../chaos/api-client';
import { apiClientOf, sampleOrder } from './order-client';
import { startTestSystem, type TestSystem } from './system';

// Support's side of the system end to end, on the real servers: a COMPENSATION_FAILED order
// retried through POST /orders/{id}/retry-compensation, approvals under four eyes, and the cap on
// a customer's open orders counted from Temporal's visibility store.
//
// The compensation failure is a real one, produced without any test hook: the payments
// database refuses the void's write (a unique index the ledger's update collides with), the
// saga retries the compensation with its own policy (10 attempts, about 2.5 minutes), gives up
// and waits for support; the index is removed ("the cause is fixed") and support retries.

jest.setTimeout(300_000);

let system: TestSystem;
let api: ApiClient;

const support = (sub = 'support-1') => api.support(sub);
const customer = (sub: string) => api.token(sub, CUSTOMER_SCOPES);

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  bearer: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const { status, body: answered } = await api.json<T>(method, path, { token: bearer, body });
  return { status, body: answered };
}

async function place(order: PlaceOrder, by = order.customerId) {
  const bearer = by === order.customerId ? await customer(by) : await support(by);
  return call<{ orderId: string }>('POST', '/orders', bearer, order);
}

async function placed(order: PlaceOrder, by?: string): Promise<string> {
  const res = await place(order, by);
  expect(res.status).toBe(202);
  return res.body.orderId;
}

/** Reads the order with minVersion until the read model shows `until`. */
const readUntil = (orderId: string, until: (o: OrderView) => boolean, timeoutMs?: number) =>
  api.readUntil(orderId, until, timeoutMs);
const reaches = (status: OrderStatus) => (o: OrderView) => o.status === status;

async function available(sku: string): Promise<number> {
  const res = await call<{ available: number }>('GET', `/inventory/${sku}`, await support());
  return res.body.available;
}

/** The provider's signed confirmation (Standard Webhooks). */
const confirm = (orderId: string): Promise<number> => api.deliverWebhook(orderId, 'confirmed');

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  installQuietRuntime();
  system = await startTestSystem('e2e-support');
  api = apiClientOf(system);
  for (const [sku, unitPrice] of [
    ['KETTLE', 2_500],
    ['PIANO', 250_000],
  ] as const) {
    const res = await call('PUT', `/inventory/${sku}`, await support(), {
      name: sku.toLowerCase(),
      unitPrice,
      available: 100,
    });
    expect([200, 201]).toContain(res.status);
  }
});

afterAll(async () => {
  await system?.stop();
});

it('a COMPENSATION_FAILED order is retried through the API once the cause is fixed', async () => {
  const orderId = await placed(sampleOrder('retry-customer', { paymentToken: 'tok_3ds' }));
  await readUntil(orderId, reaches('AWAITING_PAYMENT_CONFIRMATION'));
  const stockWhileReserved = await available('KETTLE');

  // The fault: the payments database refuses to record the void.
  const payments = system.mongo.db(system.dbs.payments).collection(PAYMENTS_COLLECTION);
  const fault = 'fault_voided_unique';
  await payments.insertOne({ _id: 'fault-blocker', status: 'VOIDED', voided: true } as never);
  await payments.createIndex({ voided: 1 }, { unique: true, sparse: true, name: fault });
  try {
    expect(
      (await call('POST', `/orders/${orderId}/cancel`, await customer('retry-customer'))).status,
    ).toBe(202);
    const failed = await readUntil(orderId, reaches('COMPENSATION_FAILED'), 240_000);
    expect(failed.timeline.map((t) => t.type)).toContain('CompensationFailed');
    const state = await system.temporal.workflow
      .getHandle(orderWorkflowId(orderId))
      .query(getOrderStateQuery);
    expect(state.failingCompensation?.step).toBe('voidPayment');

    // Only support may ask for the retry.
    const byCustomer = await call(
      'POST',
      `/orders/${orderId}/retry-compensation`,
      await customer('retry-customer'),
    );
    expect(byCustomer.status).toBe(403);
  } finally {
    await payments.dropIndex(fault).catch(() => undefined);
    await payments.deleteOne({ _id: 'fault-blocker' } as never);
  }

  const retried = await call('POST', `/orders/${orderId}/retry-compensation`, await support());
  expect(retried).toEqual({ status: 202, body: { orderId, accepted: true } });
  const cancelled = await readUntil(orderId, reaches('CANCELLED'));
  expect(cancelled).toMatchObject({
    cancellationReason: 'CUSTOMER_CANCELLED',
    payment: { status: 'VOIDED' },
  });
  expect(cancelled.timeline.map((t) => t.type).slice(-4)).toEqual([
    'CompensationRetried',
    'PaymentVoided',
    'InventoryReleased',
    'OrderCancelled',
  ]);
  expect(await available('KETTLE')).toBe(stockWhileReserved + 1);

  const again = await call('POST', `/orders/${orderId}/retry-compensation`, await support());
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({
    type: 'https://order-saga.example/problems/no-failed-compensation',
    reason: 'NO_FAILED_COMPENSATION',
  });
});

it('four eyes: support cannot approve its own large order; a colleague can', async () => {
  const orderId = await placed(
    sampleOrder('agent-7', { items: [{ sku: 'PIANO', quantity: 1 }] }),
    'agent-7',
  );
  await readUntil(orderId, reaches('AWAITING_APPROVAL'));
  const own = await call('POST', `/orders/${orderId}/approve`, await support('agent-7'));
  expect(own.status).toBe(403);
  expect(own.body).toMatchObject({
    type: 'https://order-saga.example/problems/self-approval-forbidden',
  });
  expect((await call('POST', `/orders/${orderId}/approve`, await support())).status).toBe(202);
  expect((await readUntil(orderId, reaches('COMPLETED'))).status).toBe('COMPLETED');
});

it('caps a customer’s open orders, counted from Temporal visibility (default 10)', async () => {
  const who = `cap-${randomUUID().slice(0, 8)}`;
  const orderIds: string[] = [];
  for (let i = 0; i < 10; i++)
    orderIds.push(await placed(sampleOrder(who, { paymentToken: 'tok_3ds' })));
  const commands = createTemporalOrderCommands(system.temporal);
  // Visibility follows a start within moments; the check after it is what is tested here.
  expect(
    await eventually(
      () => commands.openOrdersOf(who),
      (n) => n === 10,
    ),
  ).toBe(10);
  expect(await commands.openOrdersOf('nobody-at-all')).toBe(0);

  const refused = await place(sampleOrder(who));
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({
    type: 'https://order-saga.example/problems/too-many-open-orders',
    limit: 10,
    openOrders: 10,
  });
  // Another customer is not affected.
  expect((await place(sampleOrder(`${who}-other`))).status).toBe(202);

  // One order finishes: there is room again.
  await readUntil(orderIds[0], reaches('AWAITING_PAYMENT_CONFIRMATION'));
  expect(await confirm(orderIds[0])).toBe(202);
  await readUntil(orderIds[0], reaches('COMPLETED'));
  expect(
    await eventually(
      () => commands.openOrdersOf(who),
      (n) => n === 9,
    ),
  ).toBe(9);
  expect((await place(sampleOrder(who))).status).toBe(202);
});
