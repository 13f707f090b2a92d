import {
  approveOrderUpdate,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  getOrderStateQuery,
  rejectOrderUpdate,
} from '../../workflows/messages';
import { ApplicationFailure } from '@temporalio/common';
import { business, orderInput } from '../../testing/fake-services';
import type { WorkflowHandle } from '@temporalio/client';
import type { CancellationReason } from '../../contracts/order';
import type { ActivityName } from '../../testing/fake-services';
import type { OrderSagaWorkflow } from '../../workflows/client';
import { refusal, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import type { UpdateRejectionReason } from '../../workflows/update-rejections';
import {
  BIG_ORDER,
  CANCEL,
  orderHeldBeforeCapture,
  orderHeldInReservation,
  sagaTestEnvPerFile,
  SUPPORT,
} from './saga-test-file';

// The saga's conversations: customer cancellation, support approval, payment confirmation.

let t: SagaTestEnv;
const { startWith, eventTypes } = sagaTestEnvPerFile((env) => (t = env));

/** The order ends cancelled for `reason`, its last activity calls being `lastCalls`. */
async function expectCancelled(
  handle: WorkflowHandle<OrderSagaWorkflow>,
  reason: CancellationReason,
  lastCalls: ActivityName[],
): Promise<void> {
  const result = await handle.result();
  expect(result.cancellationReason).toBe(reason);
  expect(t.fakes.calls(result.orderId).slice(-lastCalls.length)).toEqual(lastCalls);
}

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
    const accepted = await handle.executeUpdate(cancelOrderUpdate, CANCEL);
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
    // The reservation takes effect but its answer comes too late.
    const { input, handle, gate } = await orderHeldInReservation(t);
    await handle.executeUpdate(cancelOrderUpdate, CANCEL);
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
    await handle.executeUpdate(cancelOrderUpdate, CANCEL);
    // A second request is accepted and changes nothing.
    await handle.executeUpdate(cancelOrderUpdate, CANCEL);
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
    const { handle } = await startWith({
      createShipment: async (i) => {
        await gate.opened;
        return { shipmentId: i.idempotencyKey, trackingNumber: 'T' };
      },
    });
    await waitForState(handle, (s) => s.steps.createShipment === 'RUNNING');
    await handle.executeUpdate(cancelOrderUpdate, CANCEL);
    gate.open(); // the saga waits for the running attempt to stop before compensating
    await expectCancelled(handle, 'CUSTOMER_CANCELLED', [
      'cancelShipment',
      'voidPayment',
      'releaseInventory',
    ]);
  });

  it('is rejected once the shipment exists, and the order completes', async () => {
    const { handle, gate } = await orderHeldBeforeCapture(t);
    await expectRefused(
      handle.executeUpdate(cancelOrderUpdate, CANCEL),
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
      handle.executeUpdate(cancelOrderUpdate, CANCEL),
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
    await handle.executeUpdate(approveOrderUpdate, SUPPORT);
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
    await handle.executeUpdate(rejectOrderUpdate, SUPPORT);
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
    const { handle, gate } = await orderHeldInReservation(t);
    for (const decision of [approveOrderUpdate, rejectOrderUpdate])
      await expectRefused(
        handle.executeUpdate(decision, SUPPORT),
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
    await handle.executeUpdate(approveOrderUpdate, SUPPORT);
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
    const { handle } = await startWith({}, { paymentToken: 'tok_3ds' });
    await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
    await handle.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'failed' }] });
    await expectCancelled(handle, 'PAYMENT_DECLINED', [
      'recordPaymentConfirmation',
      'voidPayment',
      'releaseInventory',
    ]);
  });

  it('no confirmation within 15 minutes: PAYMENT_CONFIRMATION_TIMEOUT (time skipped)', async () => {
    const { input, handle } = await startWith({}, { paymentToken: 'tok_3ds' });
    await expectCancelled(handle, 'PAYMENT_CONFIRMATION_TIMEOUT', [
      'voidPayment',
      'releaseInventory',
    ]);
    const declined = t.fakes.events(input.orderId).find((e) => e.type === 'PaymentDeclined');
    expect(declined?.data).toMatchObject({ reason: 'PAYMENT_CONFIRMATION_TIMEOUT' });
  });

  it('refuses a confirmation when none is awaited', async () => {
    const { handle, gate } = await orderHeldInReservation(t);
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
