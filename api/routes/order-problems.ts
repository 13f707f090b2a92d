import { problem, type ProblemError } from '../http/problem';
import type { ProblemKey } from '../http/problem-types';
import type {
  CancelResult,
  ConfirmPaymentResult,
  DecisionResult,
  RetryCompensationResult,
} from '../ports';

/** Every way the order workflow refuses a command, as the ports report it. */
export type CommandRejection = Exclude<
  CancelResult | DecisionResult | ConfirmPaymentResult | RetryCompensationResult,
  { ok: true }
>;

/** The problem type of each refusal: a new reason does not compile until it has one. */
const PROBLEM_OF_REJECTION: { [R in CommandRejection['reason']]: ProblemKey } = {
  NOT_FOUND: 'order-not-found',
  TOO_LATE: 'too-late-to-cancel',
  ALREADY_CANCELLED: 'order-already-cancelled',
  NOT_AWAITING_APPROVAL: 'not-awaiting-approval',
  NOT_AWAITING_CONFIRMATION: 'not-awaiting-payment-confirmation',
  NO_FAILED_COMPENSATION: 'no-failed-compensation',
  RETRY_ALREADY_SCHEDULED: 'compensation-retry-already-scheduled',
};

export const orderNotFound = (orderId: string): ProblemError =>
  problem('order-not-found', `No order ${orderId}.`);

/** The problem answering a refused command; the refusal's own reason goes along as `reason`. */
export function commandRejected(orderId: string, rejection: CommandRejection): ProblemError {
  if (rejection.reason === 'NOT_FOUND') return orderNotFound(orderId);
  return problem(PROBLEM_OF_REJECTION[rejection.reason], rejection.detail, {
    reason: rejection.reason,
  });
}
