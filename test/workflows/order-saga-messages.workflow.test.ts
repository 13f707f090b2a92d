import {
  approveOrderUpdate,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  getOrderStateQuery,
  rejectOrderUpdate,
} from '../../workflows/messages';
import { ApplicationFailure } from '@temporalio/common';
import { business, orderInput } from '../../testing/fake-services';
import type { Overrides } from '../../testing/fake-services';
import { createSagaTestEnv, refusal, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import type { UpdateRejectionReason } from '../../workflows/update-rejections';

// The saga's conversations: customer cancellation, support approval, payment confirmation.

jest.setTimeout(60_000);

let t: SagaTestEnv;
beforeAll(async () => {
  t = await createSagaTestEnv();
});
afterAll(async () => {
  await t?.shutdown();
});

const BIG_ORDER = { items: [{ sku: 'SKU-BIG', quantity: 101 }] }; // 101 × 1 000 > 100 000
const cancel = { args: [{ reason: 'changed my mind' }] as [{ reason: string }] };
const support = { args: [{ decidedBy: 'support-1' }] as [{ decidedBy: string }] };

async function startWith(overrides: Overrides, extra = {}) {
  const input = orderInput(extra);
  t.fakes.scenario(input.orderId, overrides);
  return { input, handle: await t.start(input) };
}

const eventTypes = (orderId: string) => t.fakes.events(orderId).map((e) => e.type);

/** The update is refused with this typed reason, and a message for people. */
async function expectRefused(
  update: Promise<unknown>,
  reason: UpdateRejectionReason,
  message: RegExp,
): Promise<void> {
  const refused = await refusal(update);
  expect(refused.reason).toBe(reason);
  expect(refused.message).toMatch(message);
}

describe('customer cancellation', () => {
  it('is accepted while awaiting approval: nothing to compensate', async () => {
    const { input, handle } = await startWith({}, BIG_ORDER);
    await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
    const accepted = await handle.executeUpdate(cancelOrderUpdate, cancel);
    expect(accepted.cancellationRequested).toBe(true);
    const result = await handle.result();
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('CUSTOMER_CANCELLED');
    expect(result.steps.approval).toBe('CANCELLED');
    expect(t.fakes.calls(input.orderId)).toEqual(['priceOrder']);
    expect(eventTypes(input.orderId)).toEqual([
      'OrderPlaced',
      'OrderPriced',
      'OrderAwaitingApproval',
      'OrderCancelled',
    ]);
  });

  it('is accepted while the reservation runs: the reservation is released', async () => {
    const gate = t.fakes.gate();
    const { input, handle } = await startWith({
      reserveInventory: async (i) => {
        await gate.opened; // the reservation takes effect but its answer comes too late
        return { reservationId: i.idempotencyKey, items: i.items };
      },
    });
    await waitForState(handle, (s) => s.steps.reserveInventory === 'RUNNING');
    await handle.executeUpdate(cancelOrderUpdate, cancel);
    gate.open(); // the saga waits for the running attempt to stop before compensating
    const result = await handle.result();
    expect(result.cancellationReason).toBe('CUSTOMER_CANCELLED');
    expect(result.steps.reserveInventory).toBe('COMPENSATED');
    expect(t.fakes.calls(input.orderId)).toEqual([
      'priceOrder',
      'reserveInventory',
      'releaseInventory',
    ]);
  });

  it('is accepted while awaiting payment confirmation: void, then release; events in order', async () => {
    const { input, handle } = await startWith({}, { paymentToken: 'tok_3ds' });
    await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
    await handle.executeUpdate(cancelOrderUpdate, cancel);
    // A second request is accepted and changes nothing.
    await handle.executeUpdate(cancelOrderUpdate, cancel);
    const result = await handle.result();
    expect(result.status).toBe('CANCELLED');
    expect(t.fakes.calls(input.orderId)).toEqual([
      'priceOrder',
      'reserveInventory',
      'authorizePayment',
      'voidPayment',
      'releaseInventory',
    ]);
    expect(t.fakes.events(input.orderId).map((e) => [e.sequence, e.type])).toEqual([
      [1, 'OrderPlaced'],
      [2, 'OrderPriced'],
      [3, 'InventoryReserved'],
      [4, 'PaymentConfirmationRequired'],
      [5, 'OrderCompensating'],
      [6, 'PaymentVoided'],
      [7, 'InventoryReleased'],
      [8, 'OrderCancelled'],
    ]);
    expect(t.fakes.events(input.orderId)[7].data).toMatchObject({ reason: 'CUSTOMER_CANCELLED' });
    expect(result.version).toBe(8);
  });

  it('is accepted while the shipment is being created: it is cancelled too', async () => {
    const gate = t.fakes.gate();
    const { input, handle } = await startWith({
      createShipment: async (i) => {
        await gate.opened;
        return { shipmentId: i.idempotencyKey, trackingNumber: 'T' };
      },
    });
    await waitForState(handle, (s) => s.steps.createShipment === 'RUNNING');
    await handle.executeUpdate(cancelOrderUpdate, cancel);
    gate.open(); // the saga waits for the running attempt to stop before compensating
    const result = await handle.result();
    expect(result.cancellationReason).toBe('CUSTOMER_CANCELLED');
    expect(t.fakes.calls(input.orderId).slice(-3)).toEqual([
      'cancelShipment',
      'voidPayment',
      'releaseInventory',
    ]);
  });

  it('is rejected once the shipment exists, and the order completes', async () => {
    const gate = t.fakes.gate();
    const { handle } = await startWith({
      capturePayment: async (i) => {
        await gate.opened;
        return { paymentId: i.paymentId, amount: 3000 };
      },
    });
    await waitForState(handle, (s) => s.status === 'SHIPMENT_CREATED');
    await expectRefused(
      handle.executeUpdate(cancelOrderUpdate, cancel),
      'TOO_LATE_TO_CANCEL',
      /shipment has already been created/,
    );
    gate.open();
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('is rejected while the order is already being compensated', async () => {
    const { handle } = await startWith({
      createShipment: () => Promise.reject(business('ShippingUnavailable')),
      voidPayment: () => Promise.reject(ApplicationFailure.nonRetryable('locked', 'ProviderError')),
    });
    await waitForState(handle, (s) => s.status === 'COMPENSATION_FAILED');
    await expectRefused(
      handle.executeUpdate(cancelOrderUpdate, cancel),
      'ALREADY_CANCELLING',
      /already being cancelled/,
    );
    await handle.terminate('test done');
  });
});

describe('support approval of large orders', () => {
  it('approved: the saga continues and completes', async () => {
    const { input, handle } = await startWith({}, BIG_ORDER);
    const waiting = await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
    expect(waiting.steps.approval).toBe('RUNNING');
    await handle.executeUpdate(approveOrderUpdate, support);
    const result = await handle.result();
    expect(result.status).toBe('COMPLETED');
    expect(result.steps.approval).toBe('SUCCEEDED');
    expect(eventTypes(input.orderId).slice(0, 5)).toEqual([
      'OrderPlaced',
      'OrderPriced',
      'OrderAwaitingApproval',
      'OrderApproved',
      'InventoryReserved',
    ]);
    expect(t.fakes.events(input.orderId)[2].data).toMatchObject({
      total: 101_000,
      threshold: 100_000,
    });
  });

  it('rejected: the order is cancelled with APPROVAL_REJECTED, nothing reserved', async () => {
    const { input, handle } = await startWith({}, BIG_ORDER);
    await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
    await handle.executeUpdate(rejectOrderUpdate, support);
    const result = await handle.result();
    expect(result.cancellationReason).toBe('APPROVAL_REJECTED');
    expect(t.fakes.calls(input.orderId)).toEqual(['priceOrder']);
    expect(eventTypes(input.orderId).slice(-2)).toEqual(['OrderRejected', 'OrderCancelled']);
  });

  it('no decision within 24 hours: APPROVAL_TIMEOUT (time skipped)', async () => {
    const { input, handle } = await startWith({}, BIG_ORDER);
    const before = await t.env.currentTimeMs();
    const result = await handle.result();
    expect((await t.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(result.cancellationReason).toBe('APPROVAL_TIMEOUT');
    expect(t.fakes.events(input.orderId).at(-2)!.data).toMatchObject({
      reason: 'APPROVAL_TIMEOUT',
    });
  });

  it('refuses decisions when the order is not awaiting one', async () => {
    const gate = t.fakes.gate();
    const { handle } = await startWith({
      reserveInventory: async (i) => {
        await gate.opened;
        return { reservationId: i.idempotencyKey, items: i.items };
      },
    });
    await waitForState(handle, (s) => s.steps.reserveInventory === 'RUNNING');
    for (const decision of [approveOrderUpdate, rejectOrderUpdate])
      await expectRefused(
        handle.executeUpdate(decision, support),
        'NOT_AWAITING_APPROVAL',
        /not awaiting approval/,
      );
    gate.open();
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('honours a lower threshold from the settings', async () => {
    const input = orderInput();
    t.fakes.scenario(input.orderId);
    const handle = await t.start(input, { approvalThreshold: 2_000 });
    await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
    await handle.executeUpdate(approveOrderUpdate, support);
    expect((await handle.result()).status).toBe('COMPLETED');
  });
});

describe('payment confirmation (tok_3ds)', () => {
  it('confirmed: records the confirmation and completes', async () => {
    const { input, handle } = await startWith({}, { paymentToken: 'tok_3ds' });
    const waiting = await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
    await expectRefused(
      handle.executeUpdate(confirmPaymentUpdate, {
        args: [{ outcome: 'confirmed', paymentId: 'someone-else' }],
      }),
      'PAYMENT_MISMATCH',
      /not this order's payment/,
    );
    await handle.executeUpdate(confirmPaymentUpdate, {
      args: [{ outcome: 'confirmed', paymentId: waiting.paymentId }],
    });
    const result = await handle.result();
    expect(result.status).toBe('COMPLETED');
    expect(t.fakes.calls(input.orderId)).toEqual([
      'priceOrder',
      'reserveInventory',
      'authorizePayment',
      'recordPaymentConfirmation',
      'createShipment',
      'capturePayment',
    ]);
    expect(eventTypes(input.orderId).slice(3, 5)).toEqual([
      'PaymentConfirmationRequired',
      'PaymentAuthorized',
    ]);
  });

  it('failed: PAYMENT_DECLINED, void and release', async () => {
    const { input, handle } = await startWith({}, { paymentToken: 'tok_3ds' });
    await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
    await handle.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'failed' }] });
    const result = await handle.result();
    expect(result.cancellationReason).toBe('PAYMENT_DECLINED');
    expect(t.fakes.calls(input.orderId).slice(-3)).toEqual([
      'recordPaymentConfirmation',
      'voidPayment',
      'releaseInventory',
    ]);
  });

  it('no confirmation within 15 minutes: PAYMENT_CONFIRMATION_TIMEOUT (time skipped)', async () => {
    const { input, handle } = await startWith({}, { paymentToken: 'tok_3ds' });
    const result = await handle.result();
    expect(result.cancellationReason).toBe('PAYMENT_CONFIRMATION_TIMEOUT');
    expect(t.fakes.calls(input.orderId).slice(-2)).toEqual(['voidPayment', 'releaseInventory']);
    const declined = t.fakes.events(input.orderId).find((e) => e.type === 'PaymentDeclined');
    expect(declined?.data).toMatchObject({ reason: 'PAYMENT_CONFIRMATION_TIMEOUT' });
  });

  it('refuses a confirmation when none is awaited', async () => {
    const gate = t.fakes.gate();
    const { handle } = await startWith({
      reserveInventory: async (i) => {
        await gate.opened;
        return { reservationId: i.idempotencyKey, items: i.items };
      },
    });
    await waitForState(handle, (s) => s.steps.reserveInventory === 'RUNNING');
    await expectRefused(
      handle.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'confirmed' }] }),
      'NOT_AWAITING_CONFIRMATION',
      /not awaiting a payment confirmation/,
    );
    expect((await handle.query(getOrderStateQuery)).status).toBe('PENDING');
    gate.open();
    await handle.result();
  });
});
