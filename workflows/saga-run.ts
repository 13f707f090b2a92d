import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { OrderEventType } from '../contracts/events';
import type { CancellationReason, OrderSagaInput, OrderStatus } from '../contracts/order';
import { statusAfter } from '../contracts/order-status';
import { CustomerIdKey, OrderStatusKey } from '../contracts/search-attributes';
import { callActivity } from './activity-stubs';
import { CompensationStack } from './compensations';
import { currentDetailsAfter } from './current-details';
import type { CompensationHooks } from './compensations';
import { idempotencyKey } from './idempotency';
import type { PaymentConfirmation } from './messages';
import {
  createEventEmitter,
  createEventOutbox,
  PIPELINED_EVENT_PUBLISHING,
  PUBLISH_TOGETHER,
} from './order-events';
import type { Emit, EventSeam, EventToEmit } from './order-events';
import { initialOrderState } from './order-state';
import type { Decision, OrderState, SagaStep } from './order-state';
import { failureReason } from './saga-steps';
import type {
  ActivityResult,
  ActivityStep,
  CompensationStep,
  KeyName,
  ServiceFailureType,
  StepContext,
  StepDeclaration,
  UndoDeclaration,
} from './saga-steps';

// One order's saga while it runs: its state, the messages it has received, its compensations
// and its event seam. The workflow function tells the story (order-saga.ts); the message
// handlers (order-handlers.ts) write into the inbox; this module holds what both share.

/** What the message handlers have received, read by the forward path when it waits for them. */
export interface Inbox {
  /** Support's decision on a large order, with who decided and their note. */
  decision?: { approved: boolean } & Decision;
  /** Who asked to cancel the order, and why (the cancelOrder update). */
  cancellation?: Decision;
  confirmation?: PaymentConfirmation;
  /** True while the forward path waits for the provider's confirmation. */
  awaitingConfirmation: boolean;
  retryRequested: boolean;
}

/**
 * Ends the forward path with a reason: a step's business failure (the table's mapping), or a
 * decision or deadline of a step written out in the story. Always caught by the saga itself
 * (never escapes the workflow, which would fail its task).
 */
export class SagaAborted extends Error {
  constructor(
    readonly reason: CancellationReason,
    message: string,
    /** Who decided it and why, when a person did (support rejecting an order). */
    readonly decision: Decision = {},
  ) {
    super(message);
    this.name = 'SagaAborted';
  }
}

/** The message of an activity's failure (its cause's), or of any other error. */
export const messageOf = (error: unknown): string => {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
};

/** The type of the ApplicationFailure an activity failed with (a business failure), if any. */
function failureTypeOf(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
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
  /**
   * Whether this order publishes its events behind its steps (PIPELINED_EVENT_PUBLISHING), decided
   * once at its start: orders started before the patch keep awaiting each publish to the end.
   */
  private readonly pipelined: boolean;
  private readonly events: EventSeam;
  /** What the step table's declarations read (saga-steps.ts). */
  readonly context: StepContext;

  constructor(readonly input: OrderSagaInput) {
    this.state = initialOrderState(input);
    this.context = { input, state: this.state, key: (name) => this.key(name) };
    const onPublished = (sequence: number) => {
      this.state.version = sequence;
    };
    this.pipelined = patched(PIPELINED_EVENT_PUBLISHING);
    this.events = (this.pipelined ? createEventOutbox : createEventEmitter)(
      input.orderId,
      onPublished,
    );
  }

  /** Deterministic per order and step: the activity's idempotency key. */
  key(name: KeyName): string {
    return idempotencyKey(workflowInfo().workflowId, name);
  }

  /** The state as queries and updates return it (a copy: callers cannot change the saga). */
  snapshot(): OrderState {
    return {
      ...this.state,
      steps: { ...this.state.steps },
      pendingCompensations: this.compensating ? this.compensations.pending : [],
    };
  }

  /**
   * The search attributes support filters on in the Temporal UI, set before the first event. The
   * starter sets them already (orderWorkflowStartOptions): since PIPELINED_EVENT_PUBLISHING only
   * those it did not set are upserted, which saves the server a visibility write per order (the
   * change rides on that patch: every patch id costs an upsert of its own).
   */
  announceStart(): void {
    const attributes = [
      { key: CustomerIdKey, value: this.input.customerId },
      { key: OrderStatusKey, value: this.state.status },
    ];
    const started = workflowInfo().typedSearchAttributes;
    const missing = this.pipelined
      ? attributes.filter(({ key, value }) => started.get(key) !== value)
      : attributes;
    if (missing.length > 0) upsertSearchAttributes(missing);
  }

  /**
   * Emits a domain event: published before it resolves, or, since PIPELINED_EVENT_PUBLISHING,
   * queued and published as the saga's next command goes out (`eventsPublished`). An event that
   * changes the status (STATUS_AFTER_EVENT, the table the projector folds with too) sets it
   * first, with its search attribute, so the workflow's status and the read model's cannot
   * disagree.
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
    if (!this.pipelined && !patched(PUBLISH_TOGETHER)) {
      for (const { type, data } of events) await this.emit(type, data);
      return;
    }
    for (const event of events) this.statusAfter(event);
    await this.events.emitTogether(events);
  }

  /**
   * Resolves once every event emitted so far is published. The saga awaits it before it waits for
   * people or providers (what it waits for is announced first) and before it ends.
   */
  async eventsPublished(): Promise<void> {
    await this.events.drained();
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
   * Runs a step of the table (saga-steps.ts): registers its undo, runs its activity (or `run`,
   * for a step the story writes out), records the result and publishes the step's event, which
   * it returns (a final step's is left to the caller, who publishes it with the completion). A
   * business failure the step declares ends the forward path with its reason (SagaAborted).
   */
  async perform<
    A extends ActivityStep,
    E extends OrderEventType,
    F extends ServiceFailureType,
    U extends CompensationStep,
    UE extends OrderEventType,
  >(
    step: StepDeclaration<A, E, F, U, UE>,
    run: () => Promise<ActivityResult<A>> = () =>
      callActivity(step.activity, step.input(this.context)),
  ): Promise<EventToEmit> {
    this.throwIfCancelled();
    if (step.undo) this.registerUndo(step.activity, step.undo);
    const result = await this.step(step.activity, async () => {
      // The events so far go out with the step's command, which does not wait for them.
      this.events.flush();
      try {
        return await run();
      } catch (error) {
        throw await this.abortOn(step, error);
      }
    });
    step.record?.(this.state, result);
    if (step.searchAttributes) upsertSearchAttributes(step.searchAttributes(result));
    // The mapped union cannot pair the declared event type with its data (order-events.ts).
    const event = { type: step.event, data: step.data(result, this.context) } as EventToEmit;
    if (!step.final) await this.emit(event.type, event.data);
    return event;
  }

  /**
   * The undo is registered BEFORE its step runs: a step that timed out may still have taken
   * effect, so every compensation is idempotent and tolerates "nothing to undo".
   */
  private registerUndo<U extends CompensationStep, UE extends OrderEventType>(
    name: SagaStep,
    undo: UndoDeclaration<U, UE>,
  ): void {
    this.compensations.push(undo.activity, async () => {
      this.events.flush(); // with the undo's command, as `perform` does with a step's
      const result = await callActivity(undo.activity, undo.input(this.context));
      this.state.steps[name] = 'COMPENSATED';
      if (undo.undid(result)) await this.emit(undo.event, undo.data(result, this.context));
    });
  }

  /** A failure the step declares becomes SagaAborted (after its failure event); others pass. */
  private async abortOn(
    step: { activity: ActivityStep; failureEvent?: 'PaymentDeclined' },
    error: unknown,
  ): Promise<unknown> {
    const reason = failureReason(step.activity, failureTypeOf(error));
    if (reason === undefined) return error;
    const message = messageOf(error);
    if (step.failureEvent) await this.emit(step.failureEvent, { reason, message });
    return new SagaAborted(reason, message);
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
