import { ApplicationFailure } from '@temporalio/common';
import { OrderStatusKey, OrderTotalKey, CustomerIdKey } from '../../contracts/search-attributes';
import { getOrderStateQuery, retryCompensationUpdate } from '../../workflows/messages';
import { business, orderInput, UNIT_PRICE } from '../../testing/fake-services';
import type { ActivityName, Overrides } from '../../testing/fake-services';
import { refusal, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import { sagaTestEnvPerFile } from './saga-test-file';

// The saga's paths with the services faked: what it calls, in which order, what it ends as,
// and which events it emits.

let t: SagaTestEnv;
const { eventTypes } = sagaTestEnvPerFile((env) => (t = env));

const FORWARD: ActivityName[] = [
  'priceOrder',
  'reserveInventory',
  'authorizePayment',
  'createShipment',
  'capturePayment',
];

async function runToEnd(overrides: Overrides = {}, input = orderInput()) {
  t.fakes.scenario(input.orderId, overrides);
  const handle = await t.start(input);
  const result = await handle.result();
  return { input, handle, result, calls: t.fakes.calls(input.orderId) };
}

describe('happy path', () => {
  it('prices, reserves, authorizes, ships, captures and completes, emitting events 1..7', async () => {
    const { input, handle, result, calls } = await runToEnd();
    expect(result.status).toBe('COMPLETED');
    expect(result.cancellationReason).toBeUndefined();
    expect(calls).toEqual(FORWARD);
    expect(result.total).toBe(3 * UNIT_PRICE);
    expect(result.steps).toEqual({
      priceOrder: 'SUCCEEDED',
      approval: 'SKIPPED',
      reserveInventory: 'SUCCEEDED',
      authorizePayment: 'SUCCEEDED',
      createShipment: 'SUCCEEDED',
      capturePayment: 'SUCCEEDED',
    });

    const events = t.fakes.events(input.orderId);
    expect(events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'OrderPlaced'],
      [2, 'OrderPriced'],
      [3, 'InventoryReserved'],
      [4, 'PaymentAuthorized'],
      [5, 'ShipmentCreated'],
      [6, 'PaymentCaptured'],
      [7, 'OrderCompleted'],
    ]);
    expect(events.every((e) => e.orderId === input.orderId)).toBe(true);
    expect(events[0].data).toMatchObject({ customerId: 'cust-1', shippingCountry: 'GB' });
    expect((await handle.query(getOrderStateQuery)).version).toBe(7);

    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(OrderStatusKey)).toBe('COMPLETED');
    expect(typedSearchAttributes.get(CustomerIdKey)).toBe('cust-1');
    expect(typedSearchAttributes.get(OrderTotalKey)).toBe(3 * UNIT_PRICE);
  });

  it('passes deterministic idempotency keys derived from the workflow id and the step', async () => {
    const keys: string[] = [];
    const { input } = await runToEnd({
      reserveInventory: (i) => {
        keys.push(i.idempotencyKey);
        return Promise.resolve({ reservationId: i.idempotencyKey, items: i.items });
      },
      capturePayment: (i) => {
        keys.push(i.idempotencyKey, i.paymentId);
        return Promise.resolve({ paymentId: i.paymentId, amount: 3000 });
      },
    });
    const wf = `order-${input.orderId}`;
    expect(keys).toEqual([
      `${wf}:reserve-inventory`,
      `${wf}:capture-payment`,
      `${wf}:authorize-payment`,
    ]);
  });
});

describe('business failures compensate every started step in reverse order', () => {
  it.each<[string, Overrides, string, ActivityName[]]>([
    [
      'unknown SKU at pricing',
      { priceOrder: () => Promise.reject(business('UnknownSku')) },
      'UNKNOWN_SKU',
      ['priceOrder'],
    ],
    [
      'out of stock at reservation',
      { reserveInventory: () => Promise.reject(business('OutOfStock')) },
      'OUT_OF_STOCK',
      ['priceOrder', 'reserveInventory', 'releaseInventory'],
    ],
    [
      'payment declined',
      { authorizePayment: () => Promise.reject(business('PaymentDeclined')) },
      'PAYMENT_DECLINED',
      ['priceOrder', 'reserveInventory', 'authorizePayment', 'voidPayment', 'releaseInventory'],
    ],
    [
      'shipping unavailable',
      { createShipment: () => Promise.reject(business('ShippingUnavailable')) },
      'SHIPPING_UNAVAILABLE',
      [...FORWARD.slice(0, 4), 'cancelShipment', 'voidPayment', 'releaseInventory'],
    ],
    [
      'capture declined',
      { capturePayment: () => Promise.reject(business('CaptureDeclined')) },
      'CAPTURE_FAILED',
      [...FORWARD, 'refundPayment', 'cancelShipment', 'voidPayment', 'releaseInventory'],
    ],
  ])('%s → CANCELLED', async (_name, overrides, reason, expectedCalls) => {
    const { result, calls } = await runToEnd(overrides);
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe(reason);
    expect(calls).toEqual(expectedCalls);
    expect(result.pendingCompensations).toEqual([]);
  });

  it('emits the decline, the compensation and exactly one final event', async () => {
    const { input } = await runToEnd({
      authorizePayment: () => Promise.reject(business('PaymentDeclined', 'insufficient funds')),
      voidPayment: () => Promise.resolve({ voided: false }), // nothing was authorized
    });
    const events = t.fakes.events(input.orderId);
    expect(events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'OrderPlaced'],
      [2, 'OrderPriced'],
      [3, 'InventoryReserved'],
      [4, 'PaymentDeclined'],
      [5, 'OrderCompensating'],
      [6, 'InventoryReleased'],
      [7, 'OrderCancelled'],
    ]);
    expect(events[3].data).toMatchObject({
      reason: 'PAYMENT_DECLINED',
      message: 'insufficient funds',
    });
    expect(events[6].data).toMatchObject({ reason: 'PAYMENT_DECLINED' });
  });

  it('an unknown SKU cancels without compensating (nothing was started)', async () => {
    const { input } = await runToEnd({ priceOrder: () => Promise.reject(business('UnknownSku')) });
    expect(eventTypes(input.orderId)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });
});

describe('transient failures', () => {
  it('retries a failing forward step until it succeeds', async () => {
    const { result, calls } = await runToEnd({
      authorizePayment: (i, attempt) =>
        attempt < 3
          ? Promise.reject(new Error('provider unavailable'))
          : Promise.resolve({ paymentId: i.idempotencyKey, status: 'AUTHORIZED' }),
    });
    expect(result.status).toBe('COMPLETED');
    expect(calls.filter((c) => c === 'authorizePayment')).toHaveLength(3);
  });

  it('retries a compensation that fails transiently, then finishes cancelling', async () => {
    const { result, calls, input } = await runToEnd({
      authorizePayment: () => Promise.reject(business('PaymentDeclined')),
      releaseInventory: (_i, attempt) =>
        attempt < 3
          ? Promise.reject(new Error('database unavailable'))
          : Promise.resolve({ released: true }),
    });
    expect(result.status).toBe('CANCELLED');
    expect(calls.filter((c) => c === 'releaseInventory')).toHaveLength(3);
    expect(eventTypes(input.orderId)).not.toContain('CompensationFailed');
  });
});

describe('a compensation that fails for good', () => {
  it('ends COMPENSATION_FAILED showing the step, and completes cancelling when support retries', async () => {
    let providerDown = true;
    const input = orderInput();
    t.fakes.scenario(input.orderId, {
      createShipment: () => Promise.reject(business('ShippingUnavailable')),
      voidPayment: () =>
        providerDown
          ? Promise.reject(ApplicationFailure.nonRetryable('authorization locked', 'ProviderError'))
          : Promise.resolve({ voided: true }),
    });
    const handle = await t.start(input);

    const failed = await waitForState(handle, (s) => s.status === 'COMPENSATION_FAILED');
    expect(failed.failingCompensation).toEqual({
      step: 'voidPayment',
      message: 'authorization locked',
    });
    expect(failed.pendingCompensations).toEqual(['voidPayment', 'releaseInventory']);
    expect(failed.steps.createShipment).toBe('COMPENSATED');
    expect(failed.cancellationReason).toBe('SHIPPING_UNAVAILABLE');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    providerDown = false;
    const afterRetry = await handle.executeUpdate(retryCompensationUpdate, {
      args: [{ decidedBy: 'support-1' }],
    });
    expect(afterRetry.status).toBe('COMPENSATION_FAILED'); // the handler only records the request
    const result = await handle.result();
    expect(result.status).toBe('CANCELLED');
    expect(result.failingCompensation).toBeUndefined();
    expect(t.fakes.calls(input.orderId).slice(4)).toEqual([
      'cancelShipment',
      'voidPayment',
      'voidPayment',
      'releaseInventory',
    ]);
    expect(eventTypes(input.orderId).slice(-7)).toEqual([
      'OrderCompensating',
      'ShipmentCancelled',
      'CompensationFailed',
      'CompensationRetried',
      'PaymentVoided',
      'InventoryReleased',
      'OrderCancelled',
    ]);
  });

  it('gives up after its own retries when the failure is retryable, then waits for support', async () => {
    const input = orderInput();
    let attempts = 0;
    t.fakes.scenario(input.orderId, {
      reserveInventory: () => Promise.reject(business('OutOfStock')),
      releaseInventory: () => {
        attempts += 1;
        return Promise.reject(new Error('database unavailable'));
      },
    });
    const handle = await t.start(input);
    // Time only skips while a client awaits a result or sleeps: sleep through the backoff.
    for (
      let i = 0;
      i < 20 && (await handle.query(getOrderStateQuery)).status !== 'COMPENSATION_FAILED';
      i++
    )
      await t.env.sleep('1 minute');
    const state = await handle.query(getOrderStateQuery);
    expect(state.status).toBe('COMPENSATION_FAILED');
    expect(state.failingCompensation?.step).toBe('releaseInventory');
    expect(attempts).toBe(10);
    await handle.terminate('test done');
  });

  it('refuses retryCompensation when nothing failed', async () => {
    const input = orderInput();
    const gate = t.fakes.gate();
    t.fakes.scenario(input.orderId, {
      reserveInventory: () => gate.opened.then(() => Promise.reject(business('OutOfStock'))),
    });
    const handle = await t.start(input);
    await waitForState(handle, (s) => s.steps.reserveInventory === 'RUNNING');
    const refused = await refusal(handle.executeUpdate(retryCompensationUpdate, { args: [{}] }));
    expect(refused.reason).toBe('NO_FAILED_COMPENSATION');
    expect(refused.message).toMatch(/No compensation is waiting/);
    gate.open();
    expect((await handle.result()).cancellationReason).toBe('OUT_OF_STOCK');
  });
});

describe('a step that timed out although it took effect', () => {
  it('is still compensated', async () => {
    const input = orderInput();
    const reservedFor: string[] = [];
    t.fakes.scenario(input.orderId, {
      reserveInventory: async (i, attempt) => {
        if (attempt === 1) {
          reservedFor.push(i.idempotencyKey); // the stock is taken …
          await new Promise((r) => setTimeout(r, 16_000)); // … but the answer comes too late (15 s)
          return { reservationId: i.idempotencyKey, items: i.items };
        }
        throw business('OutOfStock'); // the retry finds no (more) stock
      },
    });
    const handle = await t.start(input);
    const result = await handle.result();
    expect(reservedFor).toHaveLength(1);
    expect(result.cancellationReason).toBe('OUT_OF_STOCK');
    expect(t.fakes.calls(input.orderId)).toEqual([
      'priceOrder',
      'reserveInventory',
      'reserveInventory',
      'releaseInventory',
    ]);
  });
});
