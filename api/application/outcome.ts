import type { UpdateRejectionReason } from '../../workflows/client';
import type { Actor, UpdateResult } from '../ports';
import type { WaitSlotLimits } from '../reads/wait-slots';

// What the application answers: a value, or why it refuses. No HTTP here: api/routes answers
// each refusal with its problem type (routes/order-problems.ts).

/** Why the application refuses a request; every kind has its problem type. */
export type Refusal =
  /** The caller acts for a customer other than itself without the support role. */
  | { kind: 'not-your-customer'; customerId: string; action: 'place' | 'list' | 'read-stats' }
  /** No such order, or (to a customer) someone else's: ids of others' orders are not confirmed. */
  | { kind: 'order-not-found'; orderId: string }
  /** The Idempotency-Key was used before with another body. */
  | { kind: 'idempotency-key-reused' }
  | { kind: 'too-many-open-orders'; customerId: string; limit: number; openOrders: number }
  /** Four eyes: support cannot approve an order placed in their own name. */
  | { kind: 'self-approval'; orderId: string; sub: string }
  /** The order workflow refused the message, with its own reason. */
  | { kind: 'workflow-refused'; reason: UpdateRejectionReason; detail: string }
  /** Too many minVersion waits in flight, the caller's own or this instance's. */
  | { kind: 'too-many-waits'; limit: 'total' | 'subject'; limits: WaitSlotLimits }
  /** A minVersion wait saw no document at all. */
  | { kind: 'order-not-yet-visible'; orderId: string; minVersion: number; waitedMs: number };

export type Outcome<T = undefined> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const accepted = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const done: Outcome = { ok: true, value: undefined };
export const refused = (refusal: Refusal): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal,
});

/** Support staff may act for any customer; everyone else only for themselves. */
export const mayActFor = (by: Actor, customerId: string): boolean =>
  by.support || by.sub === customerId;

/** A message's result from the workflow as the application's outcome. */
export function updateOutcome(orderId: string, result: UpdateResult): Outcome {
  if (result.ok) return done;
  if (result.reason === 'NOT_FOUND') return refused({ kind: 'order-not-found', orderId });
  return refused({ kind: 'workflow-refused', reason: result.reason, detail: result.detail });
}
