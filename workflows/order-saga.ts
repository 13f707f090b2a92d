import { condition, isCancellation } from '@temporalio/workflow';
import { z } from 'zod';
import { OrderSagaInput } from '../contracts/order';
import type { CancellationReason } from '../contracts/order';
import { authorizePayment, recordPaymentConfirmation } from './activity-stubs';
import { createSagaMetrics } from './metrics';
import type { SagaMetrics } from './metrics';
import { registerOrderHandlers } from './order-handlers';
import { needsApproval } from './order-state';
import type { Decision, OrderState, SagaStep } from './order-state';
import type { EventToEmit } from './order-events';
import { messageOf, parse, SagaAborted, SagaRun } from './saga-run';
import { pricedTotal, SAGA_STEP_TABLE as STEPS } from './saga-steps';
import type { ActivityResult } from './saga-steps';

// Versioning: orders in flight replay this code from their history, so a change in what the
// workflow schedules, or in what order, must not apply to them. Wrap the new behaviour in
// `if (patched('<change-id>')) { new } else { old }`, record a new generation of history
// fixtures for it (scripts/record-histories.ts) and keep the old ones: the replay tests then
// prove both old and new histories still replay. Once no workflow started before the change is
// open, replace `patched` with `deprecatePatch('<change-id>')`; later remove it with the old
// branch. (workflows/order-events.ts has three: `local-event-publishing`, `publish-together`,
// `pipelined-event-publishing`.)

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

interface Failure {
  step: SagaStep;
  reason: CancellationReason;
  message: string;
  /** Who decided it and why, when a person did (support, or whoever asked to cancel). */
  decision: Decision;
}

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

  let captured: EventToEmit;
  try {
    captured = await run.scope.run(() => forward(run, settings));
  } catch (error) {
    const failure = classify(error, run);
    if (run.state.steps[run.current] === 'RUNNING')
      run.state.steps[run.current] =
        failure.reason === 'CUSTOMER_CANCELLED' ? 'CANCELLED' : 'FAILED';
    await compensate(run, failure, metrics);
    const { reason, message, decision } = failure;
    await run.emit('OrderCancelled', { reason, message, ...decision });
    await run.eventsPublished();
    metrics.ended('CANCELLED', failure.reason);
    return run.snapshot();
  }
  // The capture is the last step: its event and the order's completion go out together.
  await run.emitTogether([
    captured,
    { type: 'OrderCompleted', data: { total: pricedTotal(run.state) } },
  ]);
  await run.eventsPublished();
  metrics.ended('COMPLETED');
  return run.snapshot();
}

/**
 * The forward path, the steps of saga-steps.ts in order; the first failure (or a cancellation)
 * ends it. Returns the capture's event, which the caller publishes with the order's completion.
 */
async function forward(run: SagaRun, settings: Settings): Promise<EventToEmit> {
  await run.perform(STEPS.priceOrder);
  await approveIfLarge(run, settings);
  await run.perform(STEPS.reserveInventory);
  await run.perform(STEPS.authorizePayment, () => authorize(run, settings));
  await run.perform(STEPS.createShipment);
  return run.perform(STEPS.capturePayment);
}

/** A large order waits for support's decision; others skip the step. */
async function approveIfLarge(run: SagaRun, settings: Settings): Promise<void> {
  if (needsApproval(pricedTotal(run.state), settings.approvalThreshold))
    await run.step('approval', () => awaitApproval(run, settings));
  else run.state.steps.approval = 'SKIPPED';
}

/** Waits for support's decision, or for the timeout, which rejects the order. */
async function awaitApproval(run: SagaRun, settings: Settings): Promise<void> {
  const { state, inbox } = run;
  const decideBy = new Date(Date.now() + settings.approvalTimeoutMs).toISOString();
  await run.emit('OrderAwaitingApproval', {
    total: pricedTotal(state),
    threshold: settings.approvalThreshold,
    decideBy,
  });
  await run.eventsPublished(); // support sees the order waiting before it waits
  const decided = await condition(() => inbox.decision !== undefined, settings.approvalTimeoutMs, {
    summary: 'Wait for a support decision on a large order',
  });
  const { approved, ...decision } = inbox.decision ?? { approved: false };
  if (!decided || !approved) {
    // Closed before the next await, so a late decision is refused by the validator.
    state.steps.approval = 'FAILED';
    if (!decided) {
      await run.emit('OrderRejected', { reason: 'APPROVAL_TIMEOUT' });
      throw new SagaAborted('APPROVAL_TIMEOUT', 'No support decision in time.');
    }
    await run.emit('OrderRejected', { reason: 'APPROVAL_REJECTED', ...decision });
    throw new SagaAborted('APPROVAL_REJECTED', 'Rejected by support.', decision);
  }
  state.steps.approval = 'SUCCEEDED'; // before the await, for the same reason
  await run.emit('OrderApproved', decision);
}

/** Authorizes the payment; a 3-D Secure style authorization waits for the provider's word. */
async function authorize(
  run: SagaRun,
  settings: Settings,
): Promise<ActivityResult<'authorizePayment'>> {
  const { state, inbox } = run;
  const request = STEPS.authorizePayment.input(run.context);
  const paymentId = request.idempotencyKey;
  state.paymentId = paymentId;
  const declined = async (reason: CancellationReason, message: string) => {
    await run.emit('PaymentDeclined', { reason, message });
    return new SagaAborted(reason, message);
  };
  // A decline here is the step's declared failure: SagaRun.perform announces it.
  const authorized = await authorizePayment(request);
  if (authorized.status !== 'REQUIRES_CONFIRMATION') return authorized;

  inbox.awaitingConfirmation = true;
  const confirmBy = new Date(Date.now() + settings.paymentConfirmationTimeoutMs).toISOString();
  await run.emit('PaymentConfirmationRequired', { paymentId, confirmBy });
  await run.eventsPublished();
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
  return { paymentId, status: 'AUTHORIZED' };
}

/**
 * Undoes the steps that ran, most recent first. A compensation that keeps failing is never
 * swallowed: the order waits in COMPENSATION_FAILED, visible to support, until they retry.
 */
async function compensate(run: SagaRun, failure: Failure, metrics: SagaMetrics): Promise<void> {
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
      await run.eventsPublished();
      await condition(() => inbox.retryRequested);
      state.failingCompensation = undefined;
      await run.emit('CompensationRetried', { step });
      inbox.retryRequested = false;
    },
  });
}

/** Why the forward path ended. Anything unexpected is a bug: fail the workflow task. */
function classify(error: unknown, run: SagaRun): Failure {
  const step = run.current;
  if (error instanceof SagaAborted)
    return { step, reason: error.reason, message: error.message, decision: error.decision };
  if (run.state.cancellationRequested && isCancellation(error))
    return {
      step,
      reason: 'CUSTOMER_CANCELLED',
      message: 'Cancelled by the customer.',
      decision: run.inbox.cancellation ?? {},
    };
  // Forward activities retry everything but business failures, so this is a defect (e.g. a
  // failure type the step does not declare, saga-steps.ts). Throwing a plain Error fails the
  // workflow task: Temporal retries it, the order shows as stuck in the UI, and deploying a fix
  // resumes it. (A TemporalFailure rethrown as is would instead fail the whole workflow.)
  throw new Error(`Unexpected failure in step ${step}: ${messageOf(error)}`);
}
