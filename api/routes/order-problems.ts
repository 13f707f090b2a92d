import type { Outcome, Refusal } from '../application/outcome';
import { problem, type ProblemError } from '../http/problem';
import { PROBLEM_OF_REFUSAL } from '../http/problem-types';

// The application's refusals as problem documents: the one place their HTTP answer is chosen.

const FORBIDDEN: Record<Extract<Refusal, { kind: 'not-your-customer' }>['action'], string> = {
  place: 'customerId must be the token subject (or the caller needs orders:support).',
  list: "Listing another customer's orders needs orders:support.",
  'read-stats': "Reading another customer's stats needs orders:support.",
};

export const orderNotFound = (orderId: string): ProblemError =>
  problem('order-not-found', `No order ${orderId}.`);

/** The problem answering `refusal`; a workflow's refusal carries its reason as `reason`. */
export function problemOf(refusal: Refusal): ProblemError {
  switch (refusal.kind) {
    case 'not-your-customer':
      return problem('forbidden', FORBIDDEN[refusal.action]);
    case 'order-not-found':
      return orderNotFound(refusal.orderId);
    case 'idempotency-key-reused':
      return problem(
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different request body.',
      );
    case 'too-many-open-orders':
      return problem(
        'too-many-open-orders',
        `Customer ${refusal.customerId} already has ${refusal.openOrders} open orders, the most allowed at once (${refusal.limit}); place this one when one of them has finished.`,
        { limit: refusal.limit, openOrders: refusal.openOrders },
      );
    case 'self-approval':
      return problem(
        'self-approval-forbidden',
        `Order ${refusal.orderId} was placed by ${refusal.sub}, who therefore cannot approve it: another member of support must.`,
      );
    case 'workflow-refused':
      return problem(PROBLEM_OF_REFUSAL[refusal.reason], refusal.detail, {
        reason: refusal.reason,
      });
    case 'too-many-waits':
      return tooManyWaits(refusal);
    case 'order-not-yet-visible':
      // Documented choice: a read-your-writes wait that sees nothing is a 404 with its own type,
      // so clients can tell "not visible yet, retry" from a plain unknown id.
      return problem(
        'order-not-yet-visible',
        `Order ${refusal.orderId} was not visible in the read model within ${refusal.waitedMs} ms (minVersion ${refusal.minVersion}). If it was just accepted, retry.`,
        {
          minVersion: refusal.minVersion,
          waitedMs: refusal.waitedMs,
          headers: { 'Retry-After': '1' },
        },
      );
  }
}

/** 429 for a minVersion wait over the cap; a plain read (no minVersion) is never refused here. */
function tooManyWaits({ limit, limits }: Extract<Refusal, { kind: 'too-many-waits' }>) {
  const detail =
    limit === 'subject'
      ? `You already have ${limits.perSubject} minVersion waits in flight; retry when one has ended.`
      : `The server has ${limits.total} minVersion waits in flight; retry shortly.`;
  return problem('rate-limited', detail, {
    limit: limit === 'subject' ? 'minVersionWaitsPerSubject' : 'minVersionWaits',
    headers: { 'Retry-After': '1' },
  });
}

/** The outcome's value, or its refusal thrown as a problem (the error handler answers it). */
export function answered<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw problemOf(outcome.refusal);
  return outcome.value;
}
