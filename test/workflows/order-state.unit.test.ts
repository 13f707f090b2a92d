import {
  cancelRejection,
  confirmationRejection,
  decisionRejection,
  initialOrderState,
  isTooLateToCancel,
  needsApproval,
  retryRejection,
} from '../../workflows/order-state';
import type { OrderState } from '../../workflows/order-state';
import { ORDER_STATUSES } from '../../contracts/order';
import type { OrderStatus } from '../../contracts/order';
import { idempotencyKey } from '../../workflows/idempotency';
import { orderWorkflowStartOptions } from '../../workflows/client';
import { orderInput } from '../../testing/fake-services';

const stateIn = (status: OrderStatus, patch: Partial<OrderState> = {}): OrderState => ({
  ...initialOrderState(orderInput()),
  status,
  ...patch,
});

describe('which messages each state accepts', () => {
  it('cancellation: accepted before the shipment exists, refused after and while compensating', () => {
    const verdicts = Object.fromEntries(
      ORDER_STATUSES.map((s) => [s, cancelRejection(stateIn(s)) === undefined]),
    );
    expect(verdicts).toEqual({
      PENDING: true,
      AWAITING_APPROVAL: true,
      INVENTORY_RESERVED: true,
      AWAITING_PAYMENT_CONFIRMATION: true,
      PAYMENT_AUTHORIZED: true,
      SHIPMENT_CREATED: false,
      COMPLETED: false,
      COMPENSATING: false,
      CANCELLED: false,
      COMPENSATION_FAILED: false,
    });
    expect(cancelRejection(stateIn('SHIPMENT_CREATED'))).toEqual({
      reason: 'TOO_LATE_TO_CANCEL',
      message: expect.stringMatching(/shipment has already been created/) as string,
    });
    expect(cancelRejection(stateIn('COMPENSATING'))?.reason).toBe('ALREADY_CANCELLING');
  });

  it('cancellation: a repeated request is accepted (idempotent) even once compensating', () => {
    expect(
      cancelRejection(stateIn('COMPENSATING', { cancellationRequested: true })),
    ).toBeUndefined();
  });

  it('support decisions only while the approval step runs', () => {
    const waiting = stateIn('AWAITING_APPROVAL');
    waiting.steps.approval = 'RUNNING';
    expect(decisionRejection(waiting, false)).toBeUndefined();
    expect(decisionRejection(waiting, true)?.reason).toBe('ALREADY_DECIDED');
    waiting.steps.approval = 'FAILED'; // timed out, the rejection is being published
    expect(decisionRejection(waiting, false)).toEqual({
      reason: 'NOT_AWAITING_APPROVAL',
      message: expect.stringMatching(/not awaiting approval/) as string,
    });
    expect(decisionRejection(stateIn('PENDING'), false)?.reason).toBe('NOT_AWAITING_APPROVAL');
  });

  it('payment confirmation only while awaited, and only for this order’s payment', () => {
    const waiting = stateIn('AWAITING_PAYMENT_CONFIRMATION', { paymentId: 'p-1' });
    const awaited = { awaitingConfirmation: true, confirmed: false };
    expect(confirmationRejection(waiting, awaited, undefined)).toBeUndefined();
    expect(confirmationRejection(waiting, awaited, 'p-1')).toBeUndefined();
    expect(confirmationRejection(waiting, awaited, 'p-2')).toEqual({
      reason: 'PAYMENT_MISMATCH',
      message: expect.stringMatching(/not this order's payment/) as string,
    });
    expect(
      confirmationRejection(waiting, { awaitingConfirmation: false, confirmed: false }, 'p-1')
        ?.reason,
    ).toBe('NOT_AWAITING_CONFIRMATION');
    expect(
      confirmationRejection(waiting, { awaitingConfirmation: true, confirmed: true }, 'p-1')
        ?.reason,
    ).toBe('ALREADY_CONFIRMED');
  });

  it('compensation retry only after a compensation failed', () => {
    expect(retryRejection(stateIn('COMPENSATION_FAILED'), false)).toBeUndefined();
    expect(retryRejection(stateIn('COMPENSATION_FAILED'), true)?.reason).toBe(
      'RETRY_ALREADY_SCHEDULED',
    );
    expect(retryRejection(stateIn('COMPENSATING'), false)).toEqual({
      reason: 'NO_FAILED_COMPENSATION',
      message: expect.stringMatching(/No compensation is waiting/) as string,
    });
  });
});

describe('pure helpers', () => {
  it('too late to cancel: once the shipment exists, the one rule the refusal follows', () => {
    const late = ORDER_STATUSES.filter(isTooLateToCancel);
    expect(late).toEqual(['SHIPMENT_CREATED', 'COMPLETED']);
    for (const status of ORDER_STATUSES)
      expect(cancelRejection(stateIn(status))?.reason === 'TOO_LATE_TO_CANCEL').toBe(
        isTooLateToCancel(status),
      );
  });

  it('needs approval strictly above the threshold', () => {
    expect(needsApproval(100_000, 100_000)).toBe(false);
    expect(needsApproval(100_001, 100_000)).toBe(true);
  });

  it('idempotency keys are stable per workflow and step', () => {
    expect(idempotencyKey('order-1', 'reserve-inventory')).toBe('order-1:reserve-inventory');
    expect(idempotencyKey('order-1', 'reserve-inventory')).not.toBe(
      idempotencyKey('order-2', 'reserve-inventory'),
    );
  });

  it('start options: one saga per order, on the orders queue, with a readable summary', () => {
    const input = orderInput({ orderId: 'o-42' });
    const options = orderWorkflowStartOptions(input);
    expect(options).toMatchObject({
      workflowId: 'order-o-42',
      taskQueue: 'orders',
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    expect(options.staticSummary).toContain('o-42');
    expect(options.typedSearchAttributes.map((p) => [p.key.name, p.value])).toEqual([
      ['CustomerId', 'cust-1'],
      ['OrderStatus', 'PENDING'],
    ]);
  });
});
