import { INVENTORY_FAILURE_TYPES } from '../../activities/inventory/errors';
import { PAYMENT_FAILURE_TYPES } from '../../activities/payments/errors';
import { SHIPPING_FAILURE_TYPES } from '../../activities/shipping/errors';
import { CANCELLATION_REASONS } from '../../contracts/order';
import { orderInput } from '../../testing/fake-services';
import { initialOrderState } from '../../workflows/order-state';
import {
  ACTIVITY_STEPS,
  failureReason,
  LATE_ATTEMPT_FAILURES,
  SAGA_STEP_TABLE,
  specifyFailure,
  STEP_FAILURE_TYPES,
} from '../../workflows/saga-steps';
import type { StepContext } from '../../workflows/saga-steps';

// The saga's step table read as a specification: given a step fails, which compensations run
// and which events follow. Pure: no server. order-saga-paths.workflow.test.ts and
// saga-steps.workflow.test.ts check the workflow does what the table says.

describe('given a step fails for a business reason', () => {
  it('pricing: an unknown SKU cancels at once, nothing to compensate', () => {
    expect(specifyFailure('priceOrder', 'UnknownSku')).toEqual({
      reason: 'UNKNOWN_SKU',
      before: [],
      compensations: [],
      after: ['OrderCancelled'],
    });
  });

  it("reservation: out of stock runs the reservation's own release (it may have taken effect)", () => {
    expect(specifyFailure('reserveInventory', 'OutOfStock')).toEqual({
      reason: 'OUT_OF_STOCK',
      before: ['OrderPriced'],
      compensations: ['releaseInventory'],
      after: ['OrderCompensating', 'OrderCancelled'],
    });
  });

  it('authorization: a decline is announced, then the payment voided and the stock released', () => {
    expect(specifyFailure('authorizePayment', 'PaymentDeclined')).toEqual({
      reason: 'PAYMENT_DECLINED',
      before: ['OrderPriced', 'InventoryReserved'],
      compensations: ['voidPayment', 'releaseInventory'],
      after: ['PaymentDeclined', 'OrderCompensating', 'InventoryReleased', 'OrderCancelled'],
    });
  });

  it('shipment: every step before it is undone, most recent first', () => {
    expect(specifyFailure('createShipment', 'ShippingUnavailable')).toEqual({
      reason: 'SHIPPING_UNAVAILABLE',
      before: ['OrderPriced', 'InventoryReserved', 'PaymentAuthorized'],
      compensations: ['cancelShipment', 'voidPayment', 'releaseInventory'],
      after: ['OrderCompensating', 'PaymentVoided', 'InventoryReleased', 'OrderCancelled'],
    });
  });

  it('capture: the refund runs first, then every other undo', () => {
    expect(specifyFailure('capturePayment', 'CaptureDeclined')).toEqual({
      reason: 'CAPTURE_FAILED',
      before: ['OrderPriced', 'InventoryReserved', 'PaymentAuthorized', 'ShipmentCreated'],
      compensations: ['refundPayment', 'cancelShipment', 'voidPayment', 'releaseInventory'],
      after: [
        'OrderCompensating',
        'ShipmentCancelled',
        'PaymentVoided',
        'InventoryReleased',
        'OrderCancelled',
      ],
    });
  });

  it('a failure a step does not declare is not a business outcome of that step', () => {
    expect(specifyFailure('priceOrder', 'OutOfStock')).toBeUndefined();
    expect(failureReason('reserveInventory', 'UnknownSku')).toBeUndefined();
    expect(failureReason('approval', 'OutOfStock')).toBeUndefined();
    expect(failureReason('capturePayment', undefined)).toBeUndefined();
    // Only the table's own keys: nothing inherited from Object.prototype.
    expect(failureReason('capturePayment', 'constructor')).toBeUndefined();
    expect(failureReason('capturePayment', 'toString')).toBeUndefined();
  });
});

describe('the failure types', () => {
  const serviceTypes = [
    ...INVENTORY_FAILURE_TYPES,
    ...PAYMENT_FAILURE_TYPES,
    ...SHIPPING_FAILURE_TYPES,
  ];
  const mapped = ACTIVITY_STEPS.flatMap((step) =>
    Object.keys(SAGA_STEP_TABLE[step].failures).map((type) => [type, step] as const),
  );

  it("every service failure is mapped by exactly one step, or only a late attempt's", () => {
    const late: readonly string[] = LATE_ATTEMPT_FAILURES;
    expect(mapped.map(([type]) => type).sort()).toEqual(
      serviceTypes.filter((type) => !late.includes(type)).sort(),
    );
    expect(serviceTypes).toEqual(expect.arrayContaining([...LATE_ATTEMPT_FAILURES]));
    expect([...STEP_FAILURE_TYPES].sort()).toEqual(mapped.map(([type]) => type).sort());
  });

  it('each ends its step with a cancellation reason', () => {
    for (const [type, step] of mapped)
      expect(CANCELLATION_REASONS).toContain(failureReason(step, type));
  });
});

describe("the steps' declarations", () => {
  const input = orderInput({ orderId: 'o-1' });
  const state = { ...initialOrderState(input), total: 3_000 };
  const ctx: StepContext = { input, state, key: (name) => `order-o-1:${name}` };

  it('run in the order of the saga, each named after its activity', () => {
    expect(ACTIVITY_STEPS).toEqual([
      'priceOrder',
      'reserveInventory',
      'authorizePayment',
      'createShipment',
      'capturePayment',
    ]);
    for (const step of ACTIVITY_STEPS) expect(SAGA_STEP_TABLE[step].activity).toBe(step);
  });

  it('undo what their step made, named by the key the step created it under', () => {
    const { reserveInventory, authorizePayment, createShipment, capturePayment } = SAGA_STEP_TABLE;
    expect(reserveInventory.input(ctx).idempotencyKey).toBe('order-o-1:reserve-inventory');
    expect(reserveInventory.undo?.input(ctx)).toMatchObject({
      idempotencyKey: 'order-o-1:release-inventory',
      reservationId: 'order-o-1:reserve-inventory',
    });
    expect(authorizePayment.input(ctx)).toMatchObject({
      idempotencyKey: 'order-o-1:authorize-payment',
      amount: 3_000,
    });
    expect(authorizePayment.undo?.input(ctx).paymentId).toBe('order-o-1:authorize-payment');
    expect(createShipment.undo?.input(ctx).shipmentId).toBe('order-o-1:create-shipment');
    expect(capturePayment.input(ctx).paymentId).toBe('order-o-1:authorize-payment');
    expect(capturePayment.undo?.input(ctx).paymentId).toBe('order-o-1:authorize-payment');
  });

  it('announce an undo only when it found something to undo', () => {
    const { undo } = SAGA_STEP_TABLE.capturePayment;
    expect(undo?.undid({ refunded: false, amount: 0 })).toBe(false);
    expect(undo?.undid({ refunded: true, amount: 3_000 })).toBe(true);
    expect(undo?.data({ refunded: true, amount: 3_000 }, ctx)).toEqual({
      paymentId: 'order-o-1:authorize-payment',
      amount: 3_000,
    });
  });

  it('only the capture is final: its event goes out with the completion', () => {
    const finals = ACTIVITY_STEPS.filter((step) => 'final' in SAGA_STEP_TABLE[step]);
    expect(finals).toEqual(['capturePayment']);
  });

  it('charge the priced total, and refuse to run before pricing', () => {
    const unpriced = { ...ctx, state: initialOrderState(input) };
    expect(() => SAGA_STEP_TABLE.authorizePayment.input(unpriced)).toThrow(/not priced/);
  });
});
