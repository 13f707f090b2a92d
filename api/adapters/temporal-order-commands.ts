import { ApplicationFailure } from '@temporalio/common';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { orderWorkflowId, type OrderStatus, type PlaceOrder } from '../../contracts/order';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  rejectOrderUpdate,
  retryCompensationUpdate,
  type OrderState,
} from '../../workflows/messages';
import type { orderSaga } from '../../workflows/order-saga';
import { CustomerIdKey, OrderStatusKey } from '../../contracts/search-attributes';
import { ORDER_SAGA_WORKFLOW_TYPE, orderWorkflowStartOptions } from '../../workflows/start-options';
import { UpdateRejectionReason } from '../../workflows/update-rejections';
import {
  DependencyUnavailableError,
  notFound,
  type Actor,
  type CancelResult,
  type ConfirmPaymentResult,
  type DecisionResult,
  type HistoryResult,
  type OrderCommands,
  type OwnerResult,
  type PaymentOutcome,
  type PlaceOrderResult,
  type RetryCompensationResult,
} from '../ports';
import { summarizeHistory, type HistoryEventLike } from './temporal-history';

/** The saga emits OrderPlaced first, with sequence 1 (workflows/order-events.ts). */
export const FIRST_EVENT_SEQUENCE = 1;

/** Updates wait for a worker to run the validator; without one, give up and say so. */
const RPC_DEADLINE_MS = 10_000;
/** Starting needs only the server, not a worker. */
const START_DEADLINE_MS = 5_000;

type Outcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'rejected'; reason: UpdateRejectionReason | undefined; message: string }
  | { kind: 'closed'; state: OrderState | undefined; status: string }
  | { kind: 'missing' };

/**
 * OrderCommands over the order workflow: start it, send it updates, read its history. Domain
 * outcomes come back as results; Temporal being unreachable (or no worker answering within
 * the deadline) is DependencyUnavailableError('temporal').
 */
export function createTemporalOrderCommands(client: Client): OrderCommands {
  const handleOf = (orderId: string) =>
    client.workflow.getHandle<typeof orderSaga>(orderWorkflowId(orderId));
  const withDeadline = <T>(fn: () => Promise<T>) =>
    client.withDeadline(Date.now() + RPC_DEADLINE_MS, fn);

  /** Runs an update or query; sorts Temporal's errors into the outcomes the API cares about. */
  async function send<T>(
    orderId: string,
    call: (h: WorkflowHandle<typeof orderSaga>) => Promise<T>,
  ): Promise<Outcome<T>> {
    const handle = handleOf(orderId);
    try {
      return { kind: 'done', value: await withDeadline(() => call(handle)) };
    } catch (err) {
      // A validator rejection: the workflow refused the message in its current state.
      if (err instanceof WorkflowUpdateFailedError)
        return { kind: 'rejected', ...rejectionOf(err) };
      // Updates to a closed workflow answer NOT_FOUND as well: tell closed from unknown.
      if (err instanceof WorkflowNotFoundError) return closedOrMissing(handle);
      throw unavailable(err);
    }
  }

  async function closedOrMissing(
    handle: WorkflowHandle<typeof orderSaga>,
  ): Promise<Outcome<never>> {
    try {
      const description = await withDeadline(() => handle.describe());
      const status = description.status.name;
      const state = status === 'COMPLETED' ? await withDeadline(() => handle.result()) : undefined;
      return { kind: 'closed', state, status };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { kind: 'missing' };
      throw unavailable(err);
    }
  }

  async function decide(orderId: string, by: Actor, approve: boolean): Promise<DecisionResult> {
    const update = approve ? approveOrderUpdate : rejectOrderUpdate;
    const outcome = await send(orderId, (h) =>
      h.executeUpdate(update, { args: [{ decidedBy: by.sub }] }),
    );
    return refusedAs(outcome, 'NOT_AWAITING_APPROVAL');
  }

  return {
    async placeOrder(orderId, command: PlaceOrder): Promise<PlaceOrderResult> {
      const input = { ...command, orderId };
      const accepted = {
        ok: true as const,
        orderId,
        status: 'PENDING' as OrderStatus,
        version: FIRST_EVENT_SEQUENCE,
      };
      try {
        // Start options (reuse policy REJECT_DUPLICATE, conflict policy FAIL) make a second start
        // for the same order fail instead of running a second saga: that is the idempotency.
        // Bounded: the client otherwise retries an unreachable server for a long time.
        await client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
          client.workflow.start<typeof orderSaga>('orderSaga', {
            ...orderWorkflowStartOptions(input),
            args: [input],
          }),
        );
        return { ...accepted, started: true };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          return { ...accepted, started: false };
        throw unavailable(err);
      }
    },

    async cancel(orderId, by): Promise<CancelResult> {
      const outcome = await send(orderId, (h) =>
        h.executeUpdate(cancelOrderUpdate, {
          args: [{ reason: by.support ? `cancelled by support (${by.sub})` : undefined }],
        }),
      );
      if (outcome.kind === 'closed')
        return classifyClosedCancel(outcome.state?.status, closedDetail(outcome));
      // The workflow refuses a cancellation for exactly these two reasons.
      const tooLate = outcome.kind === 'rejected' && outcome.reason === 'TOO_LATE_TO_CANCEL';
      return refusedAs(outcome, tooLate ? 'TOO_LATE' : 'ALREADY_CANCELLED');
    },

    approve: (orderId, by) => decide(orderId, by, true),
    reject: (orderId, by) => decide(orderId, by, false),

    async confirmPayment(orderId, outcome: PaymentOutcome): Promise<ConfirmPaymentResult> {
      const result = await send(orderId, (h) =>
        h.executeUpdate(confirmPaymentUpdate, { args: [{ outcome }] }),
      );
      return refusedAs(result, 'NOT_AWAITING_CONFIRMATION');
    },

    async retryCompensation(orderId, by): Promise<RetryCompensationResult> {
      const outcome = await send(orderId, (h) =>
        h.executeUpdate(retryCompensationUpdate, { args: [{ decidedBy: by.sub }] }),
      );
      // The validator refuses for exactly these two reasons; a finished order has nothing to retry.
      const scheduled = outcome.kind === 'rejected' && outcome.reason === 'RETRY_ALREADY_SCHEDULED';
      return refusedAs(outcome, scheduled ? 'RETRY_ALREADY_SCHEDULED' : 'NO_FAILED_COMPENSATION');
    },

    async openOrdersOf(customerId): Promise<number> {
      try {
        const { count } = await withDeadline(() =>
          client.workflow.count(openOrdersQuery(customerId)),
        );
        return count;
      } catch (err) {
        throw unavailable(err);
      }
    },

    async history(orderId): Promise<HistoryResult> {
      const handle = handleOf(orderId);
      try {
        const description = await withDeadline(() => handle.describe());
        const history = await withDeadline(() => handle.fetchHistory());
        return {
          ok: true,
          workflowId: handle.workflowId,
          runId: description.runId,
          namespace: client.options.namespace,
          status: description.status.name,
          events: summarizeHistory((history.events ?? []) as HistoryEventLike[]),
        };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return notFound;
        throw unavailable(err);
      }
    },

    async ownerOf(orderId): Promise<OwnerResult> {
      try {
        // A search attribute set at start: answered by the server, no worker needed.
        const description = await withDeadline(() => handleOf(orderId).describe());
        const customerId = description.typedSearchAttributes.get(CustomerIdKey);
        return customerId === undefined ? notFound : { ok: true, customerId };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return notFound;
        throw unavailable(err);
      }
    },
  };
}

/**
 * The visibility query for a customer's open orders: sagas still running, except those waiting
 * for support in COMPENSATION_FAILED. Both search attributes are set when the saga starts.
 */
export function openOrdersQuery(customerId: string): string {
  return [
    `WorkflowType = ${quoted(ORDER_SAGA_WORKFLOW_TYPE)}`,
    `ExecutionStatus = 'Running'`,
    `${CustomerIdKey.name} = ${quoted(customerId)}`,
    `${OrderStatusKey.name} != 'COMPENSATION_FAILED'`,
  ].join(' AND ');
}

/** A string literal of Temporal's list filter: a customer id cannot end it and add a clause. */
const quoted = (value: string): string => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** A finished order: too late once shipped (or completed), otherwise it was cancelled. */
export function classifyClosedCancel(
  status: OrderStatus | undefined,
  detail: string,
): CancelResult {
  if (status === 'SHIPMENT_CREATED' || status === 'COMPLETED')
    return { ok: false, reason: 'TOO_LATE', detail };
  return { ok: false, reason: 'ALREADY_CANCELLED', detail };
}

/**
 * An update's outcome as a command result: done, no such order, or refused with `reason`. For a
 * support decision or a confirmation, whatever the workflow's own reason (not waiting for one,
 * already decided or confirmed, another payment) or a finished order, the caller is told the
 * order is not waiting for this message.
 */
function refusedAs<R extends string>(
  outcome: Outcome<unknown>,
  reason: R,
): { ok: true } | typeof notFound | { ok: false; reason: R; detail: string } {
  switch (outcome.kind) {
    case 'done':
      return { ok: true };
    case 'missing':
      return notFound;
    case 'rejected':
      return { ok: false, reason, detail: outcome.message };
    case 'closed':
      return { ok: false, reason, detail: closedDetail(outcome) };
  }
}

function closedDetail(outcome: { state: OrderState | undefined; status: string }): string {
  return outcome.state
    ? `The order is finished (status ${outcome.state.status}).`
    : `The order's workflow is closed (${outcome.status}).`;
}

/**
 * The workflow's typed reason (the ApplicationFailure type its validator threw) and message.
 * No reason when the failure is not one of ours (e.g. the workflow's input check).
 */
function rejectionOf(err: WorkflowUpdateFailedError): {
  reason: UpdateRejectionReason | undefined;
  message: string;
} {
  const cause = err.cause;
  if (!(cause instanceof Error)) return { reason: undefined, message: err.message };
  const reason = UpdateRejectionReason.safeParse(
    cause instanceof ApplicationFailure ? cause.type : undefined,
  );
  return { reason: reason.success ? reason.data : undefined, message: cause.message };
}

/** Anything else from the client means the server (or any worker) is not answering. */
function unavailable(err: unknown): unknown {
  if (
    err instanceof ServiceError ||
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcServiceError(err) ||
    (err instanceof Error && /connect|unavailable|deadline|timed? ?out/i.test(err.message))
  ) {
    return new DependencyUnavailableError('temporal', { cause: err });
  }
  return err;
}
