import { z } from 'zod';

// Why the workflow refuses an update in its current state. The validator throws an
// ApplicationFailure whose `type` is the reason, so callers (the API's order commands) branch
// on the type and never on the message, which is for people.

export const UPDATE_REJECTION_REASONS = [
  /** Cancel: the shipment exists (or the order completed). */
  'TOO_LATE_TO_CANCEL',
  /** Cancel: the order is already compensating or cancelled. */
  'ALREADY_CANCELLING',
  /** Approve/reject: the order is not waiting for a support decision. */
  'NOT_AWAITING_APPROVAL',
  'ALREADY_DECIDED',
  /** Confirm payment: the order is not waiting for the provider's confirmation. */
  'NOT_AWAITING_CONFIRMATION',
  /** Confirm payment: the confirmation names another payment than the order's. */
  'PAYMENT_MISMATCH',
  'ALREADY_CONFIRMED',
  /** Retry compensation: no compensation is waiting for a retry. */
  'NO_FAILED_COMPENSATION',
  'RETRY_ALREADY_SCHEDULED',
] as const;
export const UpdateRejectionReason = z.enum(UPDATE_REJECTION_REASONS);
export type UpdateRejectionReason = z.infer<typeof UpdateRejectionReason>;

export interface UpdateRejection {
  reason: UpdateRejectionReason;
  message: string;
}

export const rejection = (reason: UpdateRejectionReason, message: string): UpdateRejection => ({
  reason,
  message,
});
