import type { OrderStatus, PlaceOrder } from '../../contracts/order';
import type {
  Actor,
  IdempotencyStore,
  OrderCommands,
  OrderReadModel,
  PaymentOutcome,
} from '../ports';
import { bodyHash } from './body-hash';
import { accepted, mayActFor, refused, updateOutcome, type Outcome, type Refusal } from './outcome';

// The order commands as the application runs them: who may send which, idempotent placing, the
// cap on open orders, four eyes. The routes only translate HTTP to these calls and their
// outcomes back; the workflow itself decides whether the order's state accepts a message.

export type Decision = 'approve' | 'reject';

export interface PlacedOrder {
  orderId: string;
  status: OrderStatus;
  /** Sequence of the order's first event: read it with `minVersion`. */
  version: number;
  /** True when an earlier request made this order (a repeated Idempotency-Key). */
  replayed: boolean;
}

export interface OrderCommandService {
  /** `idempotencyKey` as the client sent it; it is scoped to the caller here. */
  place(by: Actor, command: PlaceOrder, idempotencyKey?: string): Promise<Outcome<PlacedOrder>>;
  cancel(by: Actor, orderId: string): Promise<Outcome>;
  decide(by: Actor, orderId: string, decision: Decision): Promise<Outcome>;
  retryCompensation(by: Actor, orderId: string): Promise<Outcome>;
  /** The payment provider's word, already authenticated by its signature. */
  confirmPayment(orderId: string, outcome: PaymentOutcome): Promise<Outcome>;
}

export interface OrderCommandDeps {
  commands: OrderCommands;
  readModel: OrderReadModel;
  idempotency: IdempotencyStore;
  newOrderId: () => string;
  /** MAX_OPEN_ORDERS_PER_CUSTOMER. */
  maxOpenOrdersPerCustomer: number;
}

export function createOrderCommandService(deps: OrderCommandDeps): OrderCommandService {
  const { commands } = deps;
  return {
    place: (by, command, key) => placeOrder(deps, by, command, key),

    async cancel(by, orderId) {
      const refusal = await ownershipRefusal(deps, by, orderId);
      if (refusal) return refused(refusal);
      return updateOutcome(orderId, await commands.cancel(orderId, by));
    },

    async decide(by, orderId, decision) {
      if (decision === 'approve') {
        const refusal = await selfApprovalRefusal(commands, by, orderId);
        if (refusal) return refused(refusal);
      }
      return updateOutcome(orderId, await commands[decision](orderId, by));
    },

    retryCompensation: async (by, orderId) =>
      updateOutcome(orderId, await commands.retryCompensation(orderId, by)),

    confirmPayment: async (orderId, outcome) =>
      updateOutcome(orderId, await commands.confirmPayment(orderId, outcome)),
  };
}

async function placeOrder(
  deps: OrderCommandDeps,
  by: Actor,
  command: PlaceOrder,
  idempotencyKey: string | undefined,
): Promise<Outcome<PlacedOrder>> {
  const { customerId } = command;
  if (!mayActFor(by, customerId))
    return refused({ kind: 'not-your-customer', customerId, action: 'place' });
  // Keys are per caller: two customers choosing the same key never see each other's order.
  const key = idempotencyKey === undefined ? undefined : `${by.sub}\u0000${idempotencyKey}`;
  const claim = await claimOrderId(deps, key, command);
  if (!claim.ok) return claim;
  const { orderId, repeat } = claim.value;
  // A repeat answers the order it already made, whatever the cap says now.
  if (!repeat) {
    const refusal = await openOrderCapRefusal(deps, customerId);
    if (refusal) {
      // Free the key: a retry with it, once an order has finished, is judged afresh.
      if (key !== undefined) await deps.idempotency.release(key, orderId);
      return refused(refusal);
    }
  }
  // A repeat still asks to start: the adapter starts nothing if the workflow exists, and this
  // completes the work if the first request died between reserving and starting.
  const result = await deps.commands.placeOrder(orderId, command);
  return accepted({
    orderId: result.orderId,
    status: result.status,
    version: result.version,
    replayed: repeat || !result.started,
  });
}

/**
 * The order id this request places: a new one, or with an Idempotency-Key the one the key
 * holds (`repeat`) when an earlier request with the same body claimed it first.
 */
async function claimOrderId(
  deps: OrderCommandDeps,
  key: string | undefined,
  command: PlaceOrder,
): Promise<Outcome<{ orderId: string; repeat: boolean }>> {
  const orderId = deps.newOrderId();
  if (key === undefined) return accepted({ orderId, repeat: false });
  const reservation = await deps.idempotency.reserve(key, bodyHash(command), orderId);
  if (reservation.kind === 'conflict') return refused({ kind: 'idempotency-key-reused' });
  return accepted({ orderId: reservation.orderId, repeat: reservation.kind === 'repeat' });
}

/**
 * The cap on a customer's open orders (each can hold stock for up to the payment confirmation's
 * 15 minutes). Counted from Temporal's visibility store: it knows a saga from its start, while
 * the read model lags behind the event stream by the projector. It is still a check, then a start:
 * requests racing each other can all pass it, so the cap is best-effort under a burst.
 */
async function openOrderCapRefusal(
  deps: OrderCommandDeps,
  customerId: string,
): Promise<Refusal | undefined> {
  const limit = deps.maxOpenOrdersPerCustomer;
  const openOrders = await deps.commands.openOrdersOf(customerId);
  if (openOrders < limit) return undefined;
  return { kind: 'too-many-open-orders', customerId, limit, openOrders };
}

/**
 * Customers act on their own orders only, answered as not found otherwise (a customer learns
 * nothing about others' order ids). The workflow is asked when the read model lags, as it does
 * right after the order was placed.
 */
async function ownershipRefusal(
  deps: OrderCommandDeps,
  by: Actor,
  orderId: string,
): Promise<Refusal | undefined> {
  if (by.support) return undefined;
  let owner = (await deps.readModel.get(orderId))?.customerId;
  if (owner === undefined) {
    const result = await deps.commands.ownerOf(orderId);
    owner = result.ok ? result.customerId : undefined;
  }
  return owner === by.sub ? undefined : { kind: 'order-not-found', orderId };
}

/**
 * Four eyes: a large order waits for support's approval, so support staff cannot approve an order
 * placed in their own name (the token subject is the order's customer). The customer comes from
 * the workflow's CustomerId search attribute (set at start, so never behind like the read
 * model). Rejecting stays allowed: it only cancels, which the customer may do anyway.
 */
async function selfApprovalRefusal(
  commands: OrderCommands,
  by: Actor,
  orderId: string,
): Promise<Refusal | undefined> {
  const owner = await commands.ownerOf(orderId);
  if (!owner.ok) return { kind: 'order-not-found', orderId };
  return owner.customerId === by.sub ? { kind: 'self-approval', orderId, sub: by.sub } : undefined;
}
