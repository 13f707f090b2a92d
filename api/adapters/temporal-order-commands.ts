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
import { CustomerIdKey, OrderStatusKey } from '../../contracts/search-attributes';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  FIRST_EVENT_SEQUENCE,
  isTooLateToCancel,
  ORDER_SAGA_WORKFLOW_TYPE,
  orderWorkflowStartOptions,
  rejectOrderUpdate,
  retryCompensationUpdate,
  UpdateRejectionReason,
  type OrderSagaWorkflow,
  type OrderState,
} from '../../workflows/client';
import {
  DependencyUnavailableError,
  notFound,
  type HistoryResult,
  type OrderCommands,
  type OwnerResult,
  type PlaceOrderResult,
  type UpdateResult,
} from '../ports';
import { summarizeHistory, type HistoryEventLike } from './temporal-history';

/** Updates wait for a worker to run the validator; without one, give up and say so. */
const RPC_DEADLINE_MS = 10_000;
/** Starting needs only the server, not a worker. */
const START_DEADLINE_MS = 5_000;

type Handle = WorkflowHandle<OrderSagaWorkflow>;

/** A finished order's state (when it completed) and the workflow's close status. */
interface Closed {
  state: OrderState | undefined;
  status: string;
}

/**
 * The reason a message is refused when the workflow gave none of its own: the order is finished
 * (its final state, when it completed, says which reason), or the failure was not a refusal.
 * The reason is the one the workflow gives while it runs, so callers see one vocabulary.
 */
type RefusedFor = (finalState: OrderState | undefined) => UpdateRejectionReason;

/**
 * OrderCommands over the order workflow: start it, send it updates, read its history. Domain
 * outcomes come back as results; Temporal being unreachable (or no worker answering within
 * the deadline) is DependencyUnavailableError('temporal').
 */
export function createTemporalOrderCommands(client: Client): OrderCommands {
  const handleOf = (orderId: string): Handle =>
    client.workflow.getHandle<OrderSagaWorkflow>(orderWorkflowId(orderId));
  const withDeadline = <T>(fn: () => Promise<T>) =>
    client.withDeadline(Date.now() + RPC_DEADLINE_MS, fn);

  const send = (orderId: string, call: (h: Handle) => Promise<unknown>, refusedFor: RefusedFor) =>
    sendUpdate(handleOf(orderId), withDeadline, call, refusedFor);

  const decide = (approve: boolean) => (orderId: string, by: { sub: string }) =>
    send(
      orderId,
      (h) =>
        h.executeUpdate(approve ? approveOrderUpdate : rejectOrderUpdate, {
          args: [{ decidedBy: by.sub }],
        }),
      () => 'NOT_AWAITING_APPROVAL',
    );

  return {
    placeOrder: (orderId, command) => startOrder(client, orderId, command),
    cancel: (orderId, by) =>
      send(
        orderId,
        (h) =>
          h.executeUpdate(cancelOrderUpdate, {
            // Who asked goes into OrderCancelled; support cancels on a customer's behalf.
            args: [{ decidedBy: by.sub, reason: by.support ? 'cancelled by support' : undefined }],
          }),
        (finalState) => closedCancelReason(finalState?.status),
      ),
    approve: decide(true),
    reject: decide(false),
    confirmPayment: (orderId, outcome) =>
      send(
        orderId,
        (h) => h.executeUpdate(confirmPaymentUpdate, { args: [{ outcome }] }),
        () => 'NOT_AWAITING_CONFIRMATION',
      ),
    // A finished order has nothing to retry.
    retryCompensation: (orderId, by) =>
      send(
        orderId,
        (h) => h.executeUpdate(retryCompensationUpdate, { args: [{ decidedBy: by.sub }] }),
        () => 'NO_FAILED_COMPENSATION',
      ),
    async openOrdersOf(customerId) {
      try {
        return (await withDeadline(() => client.workflow.count(openOrdersQuery(customerId)))).count;
      } catch (err) {
        throw unavailable(err);
      }
    },
    history: (orderId) => historyOf(client, handleOf(orderId), withDeadline),
    ownerOf: (orderId) =>
      orNotFound(async (): Promise<OwnerResult> => {
        // A search attribute set at start: answered by the server, no worker needed.
        const description = await withDeadline(() => handleOf(orderId).describe());
        const customerId = description.typedSearchAttributes.get(CustomerIdKey);
        return customerId === undefined ? notFound : { ok: true, customerId };
      }, notFound),
  };
}

type WithDeadline = <T>(fn: () => Promise<T>) => Promise<T>;

/** Sends an update; sorts Temporal's errors into the results the API cares about. */
async function sendUpdate(
  handle: Handle,
  withDeadline: WithDeadline,
  call: (h: Handle) => Promise<unknown>,
  refusedFor: RefusedFor,
): Promise<UpdateResult> {
  try {
    await withDeadline(() => call(handle));
    return { ok: true };
  } catch (err) {
    // A validator's refusal: the workflow refused the message in its current state.
    if (err instanceof WorkflowUpdateFailedError) return refusalOf(err, refusedFor);
    // Updates to a closed workflow answer NOT_FOUND as well: tell closed from unknown.
    if (!(err instanceof WorkflowNotFoundError)) throw unavailable(err);
  }
  const closed = await orNotFound(() => closedState(handle, withDeadline), undefined);
  if (closed === undefined) return notFound;
  return { ok: false, reason: refusedFor(closed.state), detail: closedDetail(closed) };
}

/**
 * Starts the order's saga. Its start options (reuse policy REJECT_DUPLICATE, conflict policy
 * FAIL) make a second start for the same order fail instead of running a second saga: that is
 * what makes a repeated POST start nothing.
 */
async function startOrder(
  client: Client,
  orderId: string,
  command: PlaceOrder,
): Promise<PlaceOrderResult> {
  const input = { ...command, orderId };
  const accepted = {
    ok: true as const,
    orderId,
    status: 'PENDING' as OrderStatus,
    version: FIRST_EVENT_SEQUENCE,
  };
  try {
    // Bounded: the client otherwise retries an unreachable server for a long time.
    await client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start<OrderSagaWorkflow>(ORDER_SAGA_WORKFLOW_TYPE, {
        ...orderWorkflowStartOptions(input),
        args: [input],
      }),
    );
    return { ...accepted, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { ...accepted, started: false };
    throw unavailable(err);
  }
}

async function historyOf(
  client: Client,
  handle: Handle,
  withDeadline: WithDeadline,
): Promise<HistoryResult> {
  return orNotFound(async (): Promise<HistoryResult> => {
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
  }, notFound);
}

/** A closed workflow's close status, and its final state when it completed. */
async function closedState(handle: Handle, withDeadline: WithDeadline): Promise<Closed> {
  const description = await withDeadline(() => handle.describe());
  const status = description.status.name;
  const state = status === 'COMPLETED' ? await withDeadline(() => handle.result()) : undefined;
  return { state, status };
}

/**
 * Runs Temporal calls: an unknown workflow is `missing`; anything the client throws for an
 * unreachable server is DependencyUnavailableError.
 */
async function orNotFound<T, M>(call: () => Promise<T>, missing: M): Promise<T | M> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return missing;
    throw unavailable(err);
  }
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

/** A cancellation of a finished order: too late once shipped (or completed), else cancelled. */
export function closedCancelReason(status: OrderStatus | undefined): UpdateRejectionReason {
  return status !== undefined && isTooLateToCancel(status)
    ? 'TOO_LATE_TO_CANCEL'
    : 'ALREADY_CANCELLING';
}

function closedDetail({ state, status }: Closed): string {
  return state
    ? `The order is finished (status ${state.status}).`
    : `The order's workflow is closed (${status}).`;
}

/**
 * The workflow's typed reason (the ApplicationFailure type its validator threw) and message. A
 * failure that is not one of ours (e.g. the workflow's input check) cannot name a reason: it is
 * refused as the message's "not in a state for this" reason, as a finished order is.
 */
function refusalOf(err: WorkflowUpdateFailedError, refusedFor: RefusedFor): UpdateResult {
  const cause = err.cause;
  const reason = UpdateRejectionReason.safeParse(
    cause instanceof ApplicationFailure ? cause.type : undefined,
  );
  return {
    ok: false,
    reason: reason.success ? reason.data : refusedFor(undefined),
    detail: cause instanceof Error ? cause.message : err.message,
  };
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
