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

/**
 * The update that refuses with each reason, and what the refusal means, for callers that answer
 * each reason in their own words (the API's problem types, its OpenAPI document).
 */
export const UPDATE_REJECTION_MEANINGS: Readonly<
  Record<UpdateRejectionReason, { update: string; meaning: string }>
> = {
  TOO_LATE_TO_CANCEL: {
    update: 'cancelOrder',
    meaning: 'The shipment exists (or the order completed): too late to cancel.',
  },
  ALREADY_CANCELLING: {
    update: 'cancelOrder',
    meaning: 'The order is already being cancelled, or was.',
  },
  NOT_AWAITING_APPROVAL: {
    update: 'approveOrder, rejectOrder',
    meaning: 'The order is not waiting for a support decision.',
  },
  ALREADY_DECIDED: {
    update: 'approveOrder, rejectOrder',
    meaning: 'Support has already decided on this order.',
  },
  NOT_AWAITING_CONFIRMATION: {
    update: 'confirmPayment',
    meaning: "The order is not waiting for the payment provider's confirmation.",
  },
  PAYMENT_MISMATCH: {
    update: 'confirmPayment',
    meaning: "The confirmation names another payment than the order's.",
  },
  ALREADY_CONFIRMED: {
    update: 'confirmPayment',
    meaning: 'The payment confirmation has already been received.',
  },
  NO_FAILED_COMPENSATION: {
    update: 'retryCompensation',
    meaning: 'No compensation is waiting for a retry.',
  },
  RETRY_ALREADY_SCHEDULED: {
    update: 'retryCompensation',
    meaning: 'A retry of the failed compensation is already scheduled.',
  },
};

export interface UpdateRejection {
  reason: UpdateRejectionReason;
  message: string;
}

export const rejection = (reason: UpdateRejectionReason, message: string): UpdateRejection => ({
  reason,
  message,
});
