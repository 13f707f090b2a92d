import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { OrderSagaInput, OrderStatus } from '../contracts/order';
import { statusAfter } from '../contracts/order-status';
import { CustomerIdKey, OrderStatusKey } from '../contracts/search-attributes';
import { CompensationStack } from './compensations';
import { currentDetailsAfter } from './current-details';
import type { CompensationHooks, CompensationStep } from './compensations';
import { idempotencyKey } from './idempotency';
import type { PaymentConfirmation } from './messages';
import { createEventEmitter, PUBLISH_TOGETHER } from './order-events';
import type { Emit, EventEmitter, EventToEmit } from './order-events';
import { initialOrderState } from './order-state';
import type { OrderState, SagaStep } from './order-state';

// One order's saga while it runs: its state, the messages it has received, its compensations
// and its event seam. The workflow function tells the story (order-saga.ts); the message
// handlers (order-handlers.ts) write into the inbox; this module holds what both share.

/** What the message handlers have received, read by the forward path when it waits for them. */
export interface Inbox {
  decision?: { approved: boolean };
  confirmation?: PaymentConfirmation;
  /** True while the forward path waits for the provider's confirmation. */
  awaitingConfirmation: boolean;
  retryRequested: boolean;
}

/** How a step is undone: its compensating action and what to announce when it undid something. */
export interface Undo {
  step: CompensationStep;
  /** Runs the compensating activity; returns the event to emit when something was undone. */
  run(): Promise<(() => Promise<void>) | undefined>;
}

export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Non-retryable: a malformed input will not get better on the next workflow task.
  throw ApplicationFailure.nonRetryable(`Invalid ${what}: ${result.error.message}`, 'InvalidInput');
}

export class SagaRun {
  readonly state: OrderState;
  readonly inbox: Inbox = { awaitingConfirmation: false, retryRequested: false };
  readonly compensations = new CompensationStack();
  /** The forward path runs in this scope; a customer's cancellation cancels it. */
  readonly scope = new CancellationScope();
  /** The forward step running (or the last one that ran). */
  current: SagaStep = 'priceOrder';
  private compensating = false;
  private readonly events: EventEmitter;

  constructor(readonly input: OrderSagaInput) {
    this.state = initialOrderState(input);
    this.events = createEventEmitter(input.orderId, (sequence) => {
      this.state.version = sequence;
    });
  }

  /** Deterministic per order and step: the activity's idempotency key. */
  key(step: string): string {
    return idempotencyKey(workflowInfo().workflowId, step);
  }

  /** The state as queries and updates return it (a copy: callers cannot change the saga). */
  snapshot(): OrderState {
    return {
      ...this.state,
      steps: { ...this.state.steps },
      pendingCompensations: this.compensating ? this.compensations.pending : [],
    };
  }

  /** The search attributes support filters on in the Temporal UI, set before the first event. */
  announceStart(): void {
    upsertSearchAttributes([
      { key: CustomerIdKey, value: this.input.customerId },
      { key: OrderStatusKey, value: this.state.status },
    ]);
  }

  /**
   * Publishes a domain event. An event that changes the status (STATUS_AFTER_EVENT, the table
   * the projector folds with too) sets it first, with its search attribute, so the workflow's
   * status and the read model's cannot disagree.
   */
  readonly emit: Emit = async (type, data) => {
    // Type and data match by Emit's signature; the mapped union cannot see it (order-events.ts).
    this.statusAfter({ type, data } as EventToEmit);
    await this.events.emit(type, data);
  };

  /**
   * Publishes events that follow each other with nothing in between, in one send (one local
   * activity): the statuses they lead to are set first, in order. Orders started before the
   * `PUBLISH_TOGETHER` patch emit them one by one, as they did.
   */
  async emitTogether(events: readonly EventToEmit[]): Promise<void> {
    if (!patched(PUBLISH_TOGETHER)) {
      for (const { type, data } of events) await this.emit(type, data);
      return;
    }
    for (const event of events) this.statusAfter(event);
    await this.events.emitTogether(events);
  }

  /**
   * Sets the status `event` leads to, and the current details support reads in the Temporal UI
   * (what the order waits for now). The details are only a value the UI's metadata query
   * reads, not a command: histories recorded before them replay unchanged.
   */
  private statusAfter(event: EventToEmit): void {
    const status = statusAfter(event.type);
    if (status === undefined) return;
    if (status !== this.state.status) this.setStatus(status);
    const details = currentDetailsAfter(status, event, this.state);
    if (details !== undefined) setCurrentDetails(details);
  }

  private setStatus(status: OrderStatus): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
  }

  /**
   * A step that finished after the customer cancelled must not be followed by another one (not
   * even by registering its compensation, which would then run for nothing).
   */
  throwIfCancelled(): void {
    if (this.scope.consideredCancelled) throw new CancelledFailure('Cancelled by the customer.');
  }

  /** Runs one forward step, keeping its outcome in the state; a failure ends the forward path. */
  async step<T>(name: SagaStep, run: () => Promise<T>): Promise<T> {
    this.throwIfCancelled();
    this.current = name;
    this.state.steps[name] = 'RUNNING';
    const result = await run();
    this.state.steps[name] = 'SUCCEEDED';
    return result;
  }

  /**
   * A step with an undo. The undo is registered BEFORE the step runs: a step that timed out may
   * still have taken effect, so every compensation is idempotent and tolerates "nothing to undo".
   */
  async reversibleStep<T>(name: SagaStep, undo: Undo, run: () => Promise<T>): Promise<T> {
    this.throwIfCancelled();
    this.compensations.push(undo.step, async () => {
      const announce = await undo.run();
      this.state.steps[name] = 'COMPENSATED';
      await announce?.();
    });
    return this.step(name, run);
  }

  /**
   * Undoes what the forward path did: announces it (while the state already lists the pending
   * compensations), then runs them most recent first; a failing one is retried when `onFailure`
   * resolves (CompensationStack).
   */
  async unwind(announce: () => Promise<void>, hooks: CompensationHooks): Promise<void> {
    this.compensating = true;
    await announce();
    // Non-cancellable: compensations must finish whatever else happens to the workflow.
    await CancellationScope.nonCancellable(() => this.compensations.unwind(hooks));
    this.compensating = false;
  }
}
