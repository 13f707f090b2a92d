import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { OrderState } from './order-state';

// Every message the order workflow handles. No I/O: the API imports this file to send them.
// Updates (not signals) so the caller learns at once whether the message was accepted: each
// has a validator that throws a readable reason when the order is in the wrong state (→ 409).
// Every update returns the order state as it is right after the message was handled.

export type { OrderState, SagaStep, StepOutcome } from './order-state';
export type { CompensationStep } from './compensations';

/** Who decided (a token's subject) and why: both go into the events the message leads to. */
const decidedBy = z.string().min(1).max(128).optional();
const note = z.string().max(500).optional();

/** A cancellation: who asked (the customer, or support for them) and why (OrderCancelled). */
export const CancelOrderInput = z.object({ reason: note, decidedBy });
export type CancelOrderInput = z.infer<typeof CancelOrderInput>;

/** Support's word (OrderApproved, OrderRejected and the OrderCancelled that follows it). */
export const SupportDecision = z.object({ decidedBy, note });
export type SupportDecision = z.infer<typeof SupportDecision>;

/** What the payment provider's webhook tells about an authorization that needed confirmation. */
export const PaymentConfirmation = z.object({
  outcome: z.enum(['confirmed', 'failed']),
  /** When given, must be the order's payment id (guards against a webhook for another payment). */
  paymentId: z.string().min(1).optional(),
});
export type PaymentConfirmation = z.infer<typeof PaymentConfirmation>;

export const getOrderStateQuery = defineQuery<OrderState>('getOrderState');

/** Customer cancellation: accepted until the shipment is created, rejected after. */
export const cancelOrderUpdate = defineUpdate<OrderState, [CancelOrderInput]>('cancelOrder');

/** Support decisions on a large order; rejected unless the order is AWAITING_APPROVAL. */
export const approveOrderUpdate = defineUpdate<OrderState, [SupportDecision]>('approveOrder');
export const rejectOrderUpdate = defineUpdate<OrderState, [SupportDecision]>('rejectOrder');

/** The provider's asynchronous confirmation; rejected unless AWAITING_PAYMENT_CONFIRMATION. */
export const confirmPaymentUpdate = defineUpdate<OrderState, [PaymentConfirmation]>(
  'confirmPayment',
);

/** Support asks to run the failed compensation again; rejected unless COMPENSATION_FAILED. */
export const retryCompensationUpdate = defineUpdate<OrderState, [SupportDecision]>(
  'retryCompensation',
);
