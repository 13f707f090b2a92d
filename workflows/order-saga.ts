import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import { BUSINESS_FAILURE_REASONS, OrderSagaInput } from '../contracts/order';
import type { CancellationReason, OrderStatus } from '../contracts/order';
import {
  authorizePayment,
  cancelShipment,
  capturePayment,
  createShipment,
  priceOrder,
  recordPaymentConfirmation,
  refundPayment,
  releaseInventory,
  reserveInventory,
  voidPayment,
} from './activity-stubs';
import { CompensationStack } from './compensations';
import { idempotencyKey } from './idempotency';
import {
  approveOrderUpdate,
  CancelOrderInput,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  getOrderStateQuery,
  PaymentConfirmation,
  rejectOrderUpdate,
  retryCompensationUpdate,
  SupportDecision,
} from './messages';
import { createSagaMetrics } from './metrics';
import { createEventEmitter } from './order-events';
import {
  cancelRejection,
  confirmationRejection,
  decisionRejection,
  initialOrderState,
  needsApproval,
  retryRejection,
} from './order-state';
import type { OrderState, SagaStep } from './order-state';
import { CustomerIdKey, OrderStatusKey, OrderTotalKey } from '../contracts/search-attributes';

// Versioning: orders in flight replay this code from their history, so a change in what the
// workflow schedules, or in what order, must not apply to them. Wrap the new behaviour in
// `if (patched('<change-id>')) { new } else { old }`, record a new history fixture for it
// (scripts/record-histories.ts) and keep the old fixtures: the replay tests then prove both
// old and new histories still replay. Once no workflow started before the change is open,
// replace `patched` with `deprecatePatch('<change-id>')`; later remove it with the old branch.

/** Tunables of one saga; the starter may override them (tests and support tooling do). */
export const OrderSagaSettings = z.object({
  /** Orders whose total (minor units) is strictly above this wait for a support decision. */
  approvalThreshold: z.number().int().nonnegative().default(100_000),
  approvalTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60 * 1000),
  paymentConfirmationTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(15 * 60 * 1000),
});
export type OrderSagaSettings = z.input<typeof OrderSagaSettings>;

/**
 * Ends the forward path with a reason that is not an activity's business failure. Always
 * caught by the saga itself (never escapes the workflow, which would fail its task).
 */
class SagaAborted extends Error {
  constructor(
    readonly reason: CancellationReason,
    message: string,
  ) {
    super(message);
    this.name = 'SagaAborted';
  }
}

interface Failure {
  step: SagaStep;
  reason: CancellationReason;
  message: string;
}

const messageOf = (error: unknown): string => {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
};

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Non-retryable: a malformed input will not get better on the next workflow task.
  throw ApplicationFailure.nonRetryable(`Invalid ${what}: ${result.error.message}`, 'InvalidInput');
}

/** Validators throw the reason as the update's rejection (the caller sees the message). */
function refuse(reason: string | undefined): void {
  if (reason) throw new Error(reason);
}

/** One saga per order: price, (approve), reserve, authorize, ship, capture; or compensate. */
export async function orderSaga(
  rawInput: OrderSagaInput,
  rawSettings: OrderSagaSettings = {},
): Promise<OrderState> {
  const input = parse(OrderSagaInput, rawInput, 'order');
  const settings = parse(OrderSagaSettings, rawSettings, 'settings');
  const { orderId } = input;
  const key = (step: string) => idempotencyKey(workflowInfo().workflowId, step);

  const state = initialOrderState(input);
  const metrics = createSagaMetrics();
  const compensations = new CompensationStack();
  let compensating = false;
  const saga = new CancellationScope();
  let decision: { approved: boolean } | undefined;
  let awaitingConfirmation = false;
  let confirmation: PaymentConfirmation | undefined;
  let retryRequested = false;

  const snapshot = (): OrderState => ({
    ...state,
    steps: { ...state.steps },
    pendingCompensations: compensating ? compensations.pending : [],
  });
  const setStatus = (status: OrderStatus): void => {
    state.status = status;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
  };
  const emit = createEventEmitter(orderId, (sequence) => {
    state.version = sequence;
  });

  setHandler(getOrderStateQuery, snapshot);
  setHandler(
    cancelOrderUpdate,
    () => {
      if (!state.cancellationRequested) {
        state.cancellationRequested = true;
        saga.cancel();
      }
      return snapshot();
    },
    {
      validator: (request) => {
        parse(CancelOrderInput, request, 'cancellation');
        refuse(cancelRejection(state));
      },
    },
  );
  const decide = (approved: boolean) => () => {
    decision = { approved };
    return snapshot();
  };
  const decisionValidator = (request: SupportDecision) => {
    parse(SupportDecision, request, 'decision');
    refuse(decision ? 'A decision has already been made.' : decisionRejection(state));
  };
  setHandler(approveOrderUpdate, decide(true), { validator: decisionValidator });
  setHandler(rejectOrderUpdate, decide(false), { validator: decisionValidator });
  setHandler(
    confirmPaymentUpdate,
    (request) => {
      confirmation = request;
      return snapshot();
    },
    {
      validator: (request) => {
        const { paymentId } = parse(PaymentConfirmation, request, 'payment confirmation');
        refuse(
          confirmation
            ? 'The confirmation has already been received.'
            : confirmationRejection(state, awaitingConfirmation, paymentId),
        );
      },
    },
  );
  setHandler(
    retryCompensationUpdate,
    () => {
      retryRequested = true;
      return snapshot();
    },
    {
      validator: (request) => {
        parse(SupportDecision, request, 'retry request');
        refuse(retryRequested ? 'A retry is already scheduled.' : retryRejection(state));
      },
    },
  );

  upsertSearchAttributes([
    { key: CustomerIdKey, value: input.customerId },
    { key: OrderStatusKey, value: state.status },
  ]);
  await emit('OrderPlaced', {
    customerId: input.customerId,
    currency: input.currency,
    items: input.items,
    shippingCountry: input.shippingAddress.country,
  });

  /**
   * A step that finished after the customer cancelled must not be followed by another one (not
   * even by registering its compensation, which would then run for nothing).
   */
  function throwIfCancelled(): void {
    if (saga.consideredCancelled) throw new CancelledFailure('Cancelled by the customer.');
  }

  /** Runs one forward step, keeping its outcome in the state; a failure ends the forward path. */
  let current: SagaStep = 'priceOrder';
  async function step<T>(name: SagaStep, run: () => Promise<T>): Promise<T> {
    throwIfCancelled();
    current = name;
    state.steps[name] = 'RUNNING';
    const result = await run();
    state.steps[name] = 'SUCCEEDED';
    return result;
  }

  async function forward(): Promise<number> {
    const priced = await step('priceOrder', () => priceOrder({ orderId, items: input.items }));
    state.items = priced.items;
    state.total = priced.total;
    upsertSearchAttributes([{ key: OrderTotalKey, value: priced.total }]);
    await emit('OrderPriced', { items: priced.items, total: priced.total });

    if (needsApproval(priced.total, settings.approvalThreshold)) {
      await step('approval', async () => {
        setStatus('AWAITING_APPROVAL');
        const decideBy = new Date(Date.now() + settings.approvalTimeoutMs).toISOString();
        await emit('OrderAwaitingApproval', {
          total: priced.total,
          threshold: settings.approvalThreshold,
          decideBy,
        });
        const decided = await condition(() => decision !== undefined, settings.approvalTimeoutMs, {
          summary: 'Wait for a support decision on a large order',
        });
        if (!decided || !decision?.approved) {
          // Closed before the next await, so a late decision is refused by the validator.
          state.steps.approval = 'FAILED';
          const reason = decided ? 'APPROVAL_REJECTED' : 'APPROVAL_TIMEOUT';
          await emit('OrderRejected', { reason });
          throw new SagaAborted(
            reason,
            decided ? 'Rejected by support.' : 'No support decision in time.',
          );
        }
        state.steps.approval = 'SUCCEEDED'; // before the await, for the same reason
        setStatus('PENDING');
        await emit('OrderApproved', {});
      });
    } else {
      state.steps.approval = 'SKIPPED';
    }

    // Each compensation is registered BEFORE its step: a step that timed out may have happened.
    const reservationId = key('reserve-inventory');
    throwIfCancelled();
    compensations.push('releaseInventory', async () => {
      const { released } = await releaseInventory({
        idempotencyKey: key('release-inventory'),
        orderId,
        reservationId,
      });
      state.steps.reserveInventory = 'COMPENSATED';
      if (released) await emit('InventoryReleased', { reservationId });
    });
    const reserved = await step('reserveInventory', () =>
      reserveInventory({ idempotencyKey: reservationId, orderId, items: input.items }),
    );
    state.reservationId = reserved.reservationId;
    setStatus('INVENTORY_RESERVED');
    await emit('InventoryReserved', { reservationId, items: reserved.items });

    const paymentId = key('authorize-payment');
    throwIfCancelled();
    compensations.push('voidPayment', async () => {
      const { voided } = await voidPayment({ idempotencyKey: key('void-payment'), paymentId });
      state.steps.authorizePayment = 'COMPENSATED';
      if (voided) await emit('PaymentVoided', { paymentId });
    });
    await step('authorizePayment', async () => {
      state.paymentId = paymentId;
      const declined = async (reason: CancellationReason, message: string) => {
        await emit('PaymentDeclined', { reason, message });
        return new SagaAborted(reason, message);
      };
      let authorized: Awaited<ReturnType<typeof authorizePayment>>;
      try {
        authorized = await authorizePayment({
          idempotencyKey: paymentId,
          orderId,
          amount: priced.total,
          currency: input.currency,
          paymentToken: input.paymentToken,
        });
      } catch (error) {
        if (businessFailureType(error) === 'PaymentDeclined')
          throw await declined('PAYMENT_DECLINED', messageOf(error));
        throw error;
      }
      if (authorized.status === 'REQUIRES_CONFIRMATION') {
        setStatus('AWAITING_PAYMENT_CONFIRMATION');
        awaitingConfirmation = true;
        const confirmBy = new Date(
          Date.now() + settings.paymentConfirmationTimeoutMs,
        ).toISOString();
        await emit('PaymentConfirmationRequired', { paymentId, confirmBy });
        const arrived = await condition(
          () => confirmation !== undefined,
          settings.paymentConfirmationTimeoutMs,
          { summary: 'Wait for the payment provider to confirm the authorization' },
        );
        awaitingConfirmation = false;
        if (!confirmation || !arrived)
          throw await declined('PAYMENT_CONFIRMATION_TIMEOUT', 'No payment confirmation in time.');
        const recorded = await recordPaymentConfirmation({
          idempotencyKey: key('record-payment-confirmation'),
          paymentId,
          outcome: confirmation.outcome,
        });
        if (recorded.status !== 'AUTHORIZED')
          throw await declined('PAYMENT_DECLINED', 'The provider did not confirm the payment.');
      }
    });
    setStatus('PAYMENT_AUTHORIZED');
    await emit('PaymentAuthorized', { paymentId, amount: priced.total, currency: input.currency });

    const shipmentId = key('create-shipment');
    throwIfCancelled();
    compensations.push('cancelShipment', async () => {
      const { cancelled } = await cancelShipment({
        idempotencyKey: key('cancel-shipment'),
        orderId,
        shipmentId,
      });
      state.steps.createShipment = 'COMPENSATED';
      if (cancelled) await emit('ShipmentCancelled', { shipmentId });
    });
    const shipment = await step('createShipment', () =>
      createShipment({
        idempotencyKey: shipmentId,
        orderId,
        address: input.shippingAddress,
        items: input.items,
      }),
    );
    state.shipmentId = shipment.shipmentId;
    state.trackingNumber = shipment.trackingNumber;
    setStatus('SHIPMENT_CREATED'); // from here on the customer can no longer cancel
    await emit('ShipmentCreated', shipment);

    throwIfCancelled();
    compensations.push('refundPayment', async () => {
      const { refunded, amount } = await refundPayment({
        idempotencyKey: key('refund-payment'),
        paymentId,
      });
      state.steps.capturePayment = 'COMPENSATED';
      if (refunded) await emit('PaymentRefunded', { paymentId, amount });
    });
    const captured = await step('capturePayment', () =>
      capturePayment({ idempotencyKey: key('capture-payment'), paymentId }),
    );
    await emit('PaymentCaptured', { paymentId, amount: captured.amount });
    return priced.total;
  }

  let failure: Failure | undefined;
  let total = 0;
  try {
    total = await saga.run(forward);
  } catch (error) {
    failure = classify(error, current, state.cancellationRequested);
    if (state.steps[current] === 'RUNNING')
      state.steps[current] = failure.reason === 'CUSTOMER_CANCELLED' ? 'CANCELLED' : 'FAILED';
  }

  if (!failure) {
    setStatus('COMPLETED');
    await emit('OrderCompleted', { total });
    metrics.ended('COMPLETED');
    return snapshot();
  }

  state.failure = { step: failure.step, message: failure.message };
  state.cancellationReason = failure.reason;
  if (!compensations.isEmpty) {
    compensating = true;
    setStatus('COMPENSATING');
    await emit('OrderCompensating', { reason: failure.reason });
    // Non-cancellable: compensations must finish whatever else happens to the workflow.
    await CancellationScope.nonCancellable(() =>
      compensations.unwind({
        onStart: (step) => metrics.compensationStarted(step),
        onFailure: async (step, error) => {
          metrics.compensationFailed(step);
          const message = messageOf(error);
          state.failingCompensation = { step, message };
          retryRequested = false;
          setStatus('COMPENSATION_FAILED');
          await emit('CompensationFailed', { step, message });
          // Never swallowed: the order waits here, visible to support, until they retry.
          await condition(() => retryRequested);
          state.failingCompensation = undefined;
          setStatus('COMPENSATING');
          await emit('CompensationRetried', { step });
          retryRequested = false;
        },
      }),
    );
    compensating = false;
  }
  setStatus('CANCELLED');
  await emit('OrderCancelled', { reason: failure.reason, message: failure.message });
  metrics.ended('CANCELLED', failure.reason);
  return snapshot();
}

function businessFailureType(error: unknown): keyof typeof BUSINESS_FAILURE_REASONS | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type && cause.type in BUSINESS_FAILURE_REASONS)
    return cause.type as keyof typeof BUSINESS_FAILURE_REASONS;
  return undefined;
}

/** Why the forward path ended. Anything unexpected is a bug: fail the workflow task. */
function classify(error: unknown, step: SagaStep, cancellationRequested: boolean): Failure {
  if (error instanceof SagaAborted) return { step, reason: error.reason, message: error.message };
  const type = businessFailureType(error);
  if (type) return { step, reason: BUSINESS_FAILURE_REASONS[type], message: messageOf(error) };
  if (cancellationRequested && isCancellation(error))
    return { step, reason: 'CUSTOMER_CANCELLED', message: 'Cancelled by the customer.' };
  // Forward activities retry everything but business failures, so this is a defect (e.g. an
  // unexpected non-retryable failure type). Throwing a plain Error fails the workflow task:
  // Temporal retries it, the order shows as stuck in the UI, and deploying a fix resumes it.
  // (A TemporalFailure rethrown as is would instead fail the whole workflow.)
  throw new Error(`Unexpected failure in step ${step}: ${messageOf(error)}`);
}
