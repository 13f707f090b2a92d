import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { z } from 'zod';
import { BUSINESS_FAILURE_REASONS, OrderSagaInput } from '../contracts/order';
import type { CancellationReason } from '../contracts/order';
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
import { createSagaMetrics } from './metrics';
import { registerOrderHandlers } from './order-handlers';
import { needsApproval } from './order-state';
import type { OrderState, SagaStep } from './order-state';
import type { EventData } from './order-events';
import { parse, SagaRun } from './saga-run';
import { OrderTotalKey } from '../contracts/search-attributes';

// Versioning: orders in flight replay this code from their history, so a change in what the
// workflow schedules, or in what order, must not apply to them. Wrap the new behaviour in
// `if (patched('<change-id>')) { new } else { old }`, record a new generation of history
// fixtures for it (scripts/record-histories.ts) and keep the old ones: the replay tests then
// prove both old and new histories still replay. Once no workflow started before the change is
// open, replace `patched` with `deprecatePatch('<change-id>')`; later remove it with the old
// branch. (workflows/order-events.ts has two: `local-event-publishing`, `publish-together`.)

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
type Settings = z.output<typeof OrderSagaSettings>;

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

/** One saga per order: price, (approve), reserve, authorize, ship, capture; or compensate. */
export async function orderSaga(
  rawInput: OrderSagaInput,
  rawSettings: OrderSagaSettings = {},
): Promise<OrderState> {
  const input = parse(OrderSagaInput, rawInput, 'order');
  const settings = parse(OrderSagaSettings, rawSettings, 'settings');
  const run = new SagaRun(input);
  const metrics = createSagaMetrics();
  registerOrderHandlers(run);

  run.announceStart();
  await run.emit('OrderPlaced', {
    customerId: input.customerId,
    currency: input.currency,
    items: input.items,
    shippingCountry: input.shippingAddress.country,
  });

  let done: Forward;
  try {
    done = await run.scope.run(() => forward(run, settings));
  } catch (error) {
    const failure = classify(error, run.current, run.state.cancellationRequested);
    if (run.state.steps[run.current] === 'RUNNING')
      run.state.steps[run.current] =
        failure.reason === 'CUSTOMER_CANCELLED' ? 'CANCELLED' : 'FAILED';
    await compensate(run, failure, metrics);
    await run.emit('OrderCancelled', { reason: failure.reason, message: failure.message });
    metrics.ended('CANCELLED', failure.reason);
    return run.snapshot();
  }
  // The capture is the last step: its event and the order's completion go out together.
  await run.emitTogether([
    { type: 'PaymentCaptured', data: done.captured },
    { type: 'OrderCompleted', data: { total: done.total } },
  ]);
  metrics.ended('COMPLETED');
  return run.snapshot();
}

/** What the forward path leaves to announce: the capture, and the order's total. */
interface Forward {
  captured: EventData<'PaymentCaptured'>;
  total: number;
}

/**
 * The forward path: each step in order; the first failure (or a cancellation) ends it. Every
 * step's event is emitted here, but the capture's, which the caller emits with the completion.
 */
async function forward(run: SagaRun, settings: Settings): Promise<Forward> {
  const { input, state } = run;
  const { orderId } = input;

  const priced = await run.step('priceOrder', () => priceOrder({ orderId, items: input.items }));
  state.items = priced.items;
  state.total = priced.total;
  upsertSearchAttributes([{ key: OrderTotalKey, value: priced.total }]);
  await run.emit('OrderPriced', { items: priced.items, total: priced.total });

  if (needsApproval(priced.total, settings.approvalThreshold))
    await run.step('approval', () => awaitApproval(run, priced.total, settings));
  else state.steps.approval = 'SKIPPED';

  const reservationId = run.key('reserve-inventory');
  const reserved = await run.reversibleStep(
    'reserveInventory',
    {
      step: 'releaseInventory',
      run: async () => {
        const { released } = await releaseInventory({
          idempotencyKey: run.key('release-inventory'),
          orderId,
          reservationId,
        });
        return released ? () => run.emit('InventoryReleased', { reservationId }) : undefined;
      },
    },
    () => reserveInventory({ idempotencyKey: reservationId, orderId, items: input.items }),
  );
  state.reservationId = reserved.reservationId;
  await run.emit('InventoryReserved', { reservationId, items: reserved.items });

  const paymentId = run.key('authorize-payment');
  await run.reversibleStep(
    'authorizePayment',
    {
      step: 'voidPayment',
      run: async () => {
        const { voided } = await voidPayment({
          idempotencyKey: run.key('void-payment'),
          paymentId,
        });
        return voided ? () => run.emit('PaymentVoided', { paymentId }) : undefined;
      },
    },
    () => authorize(run, paymentId, priced.total, settings),
  );
  await run.emit('PaymentAuthorized', {
    paymentId,
    amount: priced.total,
    currency: input.currency,
  });

  const shipmentId = run.key('create-shipment');
  const shipment = await run.reversibleStep(
    'createShipment',
    {
      step: 'cancelShipment',
      run: async () => {
        const { cancelled } = await cancelShipment({
          idempotencyKey: run.key('cancel-shipment'),
          orderId,
          shipmentId,
        });
        return cancelled ? () => run.emit('ShipmentCancelled', { shipmentId }) : undefined;
      },
    },
    () =>
      createShipment({
        idempotencyKey: shipmentId,
        orderId,
        address: input.shippingAddress,
        items: input.items,
      }),
  );
  state.shipmentId = shipment.shipmentId;
  state.trackingNumber = shipment.trackingNumber;
  // From SHIPMENT_CREATED on the customer can no longer cancel (order-state.ts).
  await run.emit('ShipmentCreated', shipment);

  const captured = await run.reversibleStep(
    'capturePayment',
    {
      step: 'refundPayment',
      run: async () => {
        const { refunded, amount } = await refundPayment({
          idempotencyKey: run.key('refund-payment'),
          paymentId,
        });
        return refunded ? () => run.emit('PaymentRefunded', { paymentId, amount }) : undefined;
      },
    },
    () => capturePayment({ idempotencyKey: run.key('capture-payment'), paymentId }),
  );
  return { captured: { paymentId, amount: captured.amount }, total: priced.total };
}

/** A large order waits for support's decision, or for the timeout, which rejects it. */
async function awaitApproval(run: SagaRun, total: number, settings: Settings): Promise<void> {
  const { state, inbox } = run;
  const decideBy = new Date(Date.now() + settings.approvalTimeoutMs).toISOString();
  await run.emit('OrderAwaitingApproval', {
    total,
    threshold: settings.approvalThreshold,
    decideBy,
  });
  const decided = await condition(() => inbox.decision !== undefined, settings.approvalTimeoutMs, {
    summary: 'Wait for a support decision on a large order',
  });
  if (!decided || !inbox.decision?.approved) {
    // Closed before the next await, so a late decision is refused by the validator.
    state.steps.approval = 'FAILED';
    const reason = decided ? 'APPROVAL_REJECTED' : 'APPROVAL_TIMEOUT';
    await run.emit('OrderRejected', { reason });
    throw new SagaAborted(
      reason,
      decided ? 'Rejected by support.' : 'No support decision in time.',
    );
  }
  state.steps.approval = 'SUCCEEDED'; // before the await, for the same reason
  await run.emit('OrderApproved', {});
}

/** Authorizes the payment; a 3-D Secure style authorization waits for the provider's word. */
async function authorize(
  run: SagaRun,
  paymentId: string,
  amount: number,
  settings: Settings,
): Promise<void> {
  const { input, state, inbox } = run;
  state.paymentId = paymentId;
  const declined = async (reason: CancellationReason, message: string) => {
    await run.emit('PaymentDeclined', { reason, message });
    return new SagaAborted(reason, message);
  };
  let authorized: Awaited<ReturnType<typeof authorizePayment>>;
  try {
    authorized = await authorizePayment({
      idempotencyKey: paymentId,
      orderId: input.orderId,
      amount,
      currency: input.currency,
      paymentToken: input.paymentToken,
    });
  } catch (error) {
    if (businessFailureType(error) === 'PaymentDeclined')
      throw await declined('PAYMENT_DECLINED', messageOf(error));
    throw error;
  }
  if (authorized.status !== 'REQUIRES_CONFIRMATION') return;

  inbox.awaitingConfirmation = true;
  const confirmBy = new Date(Date.now() + settings.paymentConfirmationTimeoutMs).toISOString();
  await run.emit('PaymentConfirmationRequired', { paymentId, confirmBy });
  const arrived = await condition(
    () => inbox.confirmation !== undefined,
    settings.paymentConfirmationTimeoutMs,
    { summary: 'Wait for the payment provider to confirm the authorization' },
  );
  inbox.awaitingConfirmation = false;
  if (!inbox.confirmation || !arrived)
    throw await declined('PAYMENT_CONFIRMATION_TIMEOUT', 'No payment confirmation in time.');
  const recorded = await recordPaymentConfirmation({
    idempotencyKey: run.key('record-payment-confirmation'),
    paymentId,
    outcome: inbox.confirmation.outcome,
  });
  if (recorded.status !== 'AUTHORIZED')
    throw await declined('PAYMENT_DECLINED', 'The provider did not confirm the payment.');
}

/**
 * Undoes the steps that ran, most recent first. A compensation that keeps failing is never
 * swallowed: the order waits in COMPENSATION_FAILED, visible to support, until they retry.
 */
async function compensate(
  run: SagaRun,
  failure: Failure,
  metrics: ReturnType<typeof createSagaMetrics>,
): Promise<void> {
  const { state, inbox } = run;
  state.failure = { step: failure.step, message: failure.message };
  state.cancellationReason = failure.reason;
  if (run.compensations.isEmpty) return;
  await run.unwind(() => run.emit('OrderCompensating', { reason: failure.reason }), {
    onStart: (step) => metrics.compensationStarted(step),
    onFailure: async (step, error) => {
      metrics.compensationFailed(step);
      const message = messageOf(error);
      state.failingCompensation = { step, message };
      inbox.retryRequested = false;
      await run.emit('CompensationFailed', { step, message });
      await condition(() => inbox.retryRequested);
      state.failingCompensation = undefined;
      await run.emit('CompensationRetried', { step });
      inbox.retryRequested = false;
    },
  });
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
