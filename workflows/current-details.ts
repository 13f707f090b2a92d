import type { OrderEventType } from '../contracts/events';
import type { OrderStatus } from '../contracts/order';
import type { EventData, EventToEmit } from './order-events';
import type { OrderState } from './order-state';

// The line support reads in the Temporal UI's "Current details" without opening the history:
// the order's business status and what it waits for, and until when. The workflow keeps it
// current with `setCurrentDetails` (order-saga's SagaRun), which only sets a value the
// `__temporal_workflow_metadata` query returns: no command, so recorded histories replay
// unchanged. No Temporal imports here, so it is unit-tested as plain functions.

/** Failure messages come from services; keep the line readable in the UI's header. */
const MAX_MESSAGE = 160;
const short = (text: string): string =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;

type Describe<T extends OrderEventType> = (data: EventData<T>, state: OrderState) => string;

/** ` by support-1 ("note")`: who decided and why, when a person did. */
const decidedBy = ({ decidedBy, note }: { decidedBy?: string; note?: string }): string =>
  `${decidedBy ? ` by ${decidedBy}` : ''}${note ? ` ("${short(note)}")` : ''}`;

/**
 * What the order does next after each event that sets its status (contracts/order-status.ts);
 * events that do not change the status leave the details as they are.
 */
const AFTER_EVENT: { [T in OrderEventType]?: Describe<T> } = {
  OrderPlaced: () => 'pricing the order',
  OrderAwaitingApproval: ({ total, threshold, decideBy }) =>
    `waiting for support's approval until ${decideBy} (total ${total} above ${threshold}, ` +
    'minor units); rejected if nobody decides',
  OrderApproved: (decision) => `approved${decidedBy(decision)}; reserving the stock`,
  InventoryReserved: () => 'stock reserved; authorizing the payment',
  PaymentConfirmationRequired: ({ confirmBy }) =>
    `waiting for the payment provider's 3-D Secure confirmation until ${confirmBy}; ` +
    'declined if none arrives',
  PaymentAuthorized: () => 'payment authorized; creating the shipment',
  ShipmentCreated: ({ trackingNumber }) =>
    `shipment created (tracking ${trackingNumber}); capturing the payment`,
  OrderCompensating: ({ reason }) => `undoing the steps that ran (${reason})`,
  CompensationFailed: ({ step, message }, { orderId }) =>
    `${step} failed: ${short(message)}; waiting for support to retry it ` +
    `(POST /orders/${orderId}/retry-compensation), no deadline`,
  CompensationRetried: ({ step }, { cancellationReason }) =>
    `retrying ${step} at support's request, then undoing the rest (${cancellationReason})`,
  OrderCompleted: (_, { trackingNumber }) =>
    `paid and shipped (tracking ${trackingNumber}); nothing awaited`,
  OrderCancelled: ({ reason, message, ...decision }) =>
    `${reason}${message ? `: ${short(message)}` : ''}${
      decision.decidedBy || decision.note ? `, decided${decidedBy(decision)}` : ''
    }; nothing awaited`,
};

/** Event types with a description, for the test that every status-setting event has one. */
export const DESCRIBED_EVENTS = Object.keys(AFTER_EVENT) as OrderEventType[];

/**
 * The current details after `event`, given the status it set, e.g. "AWAITING_APPROVAL — waiting
 * for support's approval until 2026-11-28T10:00:00.000Z (…)"; undefined when the event does not
 * set the status.
 */
export function currentDetailsAfter(
  status: OrderStatus,
  event: EventToEmit,
  state: OrderState,
): string | undefined {
  const describe = AFTER_EVENT[event.type] as Describe<typeof event.type> | undefined;
  return describe && `${status} — ${describe(event.data, state)}`;
}
