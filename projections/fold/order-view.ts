import type { OrderEvent } from '../../contracts/event-envelope';
import type { OrderStatus } from '../../contracts/order';
import { FINAL_ORDER_STATUSES } from '../../contracts/order';
import { statusAfter } from '../../contracts/order-status';
import type { ApprovalDecision, OrderView, PaymentStatus } from '../../contracts/read-models';

// The `orders` read model as a pure fold: evolve(doc | null, event) → doc. No I/O, no clock:
// `updatedAt` is the event's own time, so replaying the stream rebuilds byte-identical
// documents. Idempotence (an event applied twice changes nothing) is this function's contract
// too, not only the store's: an event at or below `version` returns the document unchanged.

/** An event that cannot be applied to the document it targets (it goes to the dead letters). */
export class ProjectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionError';
  }
}

/** An event whose predecessor never arrived: applying it would show a state with a hole. */
export class SequenceGapError extends ProjectionError {
  constructor(orderId: string, version: number, sequence: number) {
    super(`order ${orderId} is at #${version}; #${sequence} leaves a gap (events lost or parked)`);
    this.name = 'SequenceGapError';
  }
}

/** The status each payment event leaves the order's payment in. */
const PAYMENT_STATUS_AFTER = {
  PaymentConfirmationRequired: 'AWAITING_CONFIRMATION',
  PaymentAuthorized: 'AUTHORIZED',
  PaymentDeclined: 'DECLINED',
  PaymentCaptured: 'CAPTURED',
  PaymentVoided: 'VOIDED',
  PaymentRefunded: 'REFUNDED',
} as const satisfies Partial<Record<OrderEvent['type'], PaymentStatus>>;

/** Who decided and why, as the approval event says: absent fields stay absent (no `undefined`). */
function approvalOf(
  decision: ApprovalDecision['decision'],
  data: { decidedBy?: string; note?: string },
): ApprovalDecision {
  return {
    decision,
    ...(data.decidedBy !== undefined && { decidedBy: data.decidedBy }),
    ...(data.note !== undefined && { note: data.note }),
  };
}

function applyDetails(doc: OrderView, event: OrderEvent): OrderView {
  switch (event.type) {
    case 'OrderPriced':
      return { ...doc, items: event.data.items, total: event.data.total };
    case 'OrderCompleted':
      return { ...doc, total: event.data.total };
    case 'OrderApproved':
      return { ...doc, approval: approvalOf('APPROVED', event.data) };
    case 'OrderRejected':
      return {
        ...doc,
        approval: approvalOf(
          event.data.reason === 'APPROVAL_TIMEOUT' ? 'TIMED_OUT' : 'REJECTED',
          event.data,
        ),
      };
    case 'OrderCancelled':
      return {
        ...doc,
        cancellationReason: event.data.reason,
        ...(event.data.decidedBy !== undefined && { cancelledBy: event.data.decidedBy }),
        ...(event.data.note !== undefined && { cancellationNote: event.data.note }),
      };
    case 'PaymentConfirmationRequired':
    case 'PaymentAuthorized':
    case 'PaymentDeclined':
    case 'PaymentCaptured':
    case 'PaymentVoided':
    case 'PaymentRefunded':
      return { ...doc, payment: { status: PAYMENT_STATUS_AFTER[event.type] } };
    case 'ShipmentCreated':
      return {
        ...doc,
        shipment: { status: 'CREATED', trackingNumber: event.data.trackingNumber },
      };
    case 'ShipmentCancelled':
      return { ...doc, shipment: { ...doc.shipment, status: 'CANCELLED' } };
    case 'OrderPlaced':
    case 'OrderAwaitingApproval':
    case 'InventoryReserved':
    case 'InventoryReleased':
    case 'OrderCompensating':
    case 'CompensationFailed':
    case 'CompensationRetried':
      return doc;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** A final status is sticky: nothing published after COMPLETED/CANCELLED may regress it. */
function nextStatus(current: OrderStatus, event: OrderEvent): OrderStatus {
  if (FINAL_ORDER_STATUSES.includes(current)) return current;
  return statusAfter(event.type) ?? current;
}

/**
 * Folds one event into an order's view. Returns `doc` itself (same reference) when the event
 * was already applied. Throws ProjectionError when the event does not fit: an order's first
 * event must be OrderPlaced (its number is not checked, so numbering may start anywhere), and
 * later events must follow each other without gaps (SequenceGapError; see plan-batch.ts for
 * why a gap is not papered over).
 */
export function evolveOrder(doc: OrderView | null, event: OrderEvent): OrderView {
  if (doc && event.sequence <= doc.version) return doc;
  if (!doc) {
    if (event.type !== 'OrderPlaced') {
      throw new ProjectionError(
        `order ${event.orderId} has no OrderPlaced yet; cannot apply ${event.type} #${event.sequence}`,
      );
    }
    return {
      orderId: event.orderId,
      customerId: event.data.customerId,
      status: 'PENDING',
      items: event.data.items,
      currency: event.data.currency,
      payment: { status: 'NONE' },
      shipment: { status: 'NONE' },
      timeline: [{ sequence: event.sequence, type: event.type, occurredAt: event.occurredAt }],
      version: event.sequence,
      createdAt: event.occurredAt,
      updatedAt: event.occurredAt,
    };
  }
  if (event.sequence !== doc.version + 1) {
    throw new SequenceGapError(event.orderId, doc.version, event.sequence);
  }
  if (event.type === 'OrderPlaced') {
    throw new ProjectionError(`order ${event.orderId} was already placed (#${event.sequence})`);
  }
  const detailed = applyDetails(doc, event);
  return {
    ...detailed,
    status: nextStatus(doc.status, event),
    timeline: [
      ...doc.timeline,
      { sequence: event.sequence, type: event.type, occurredAt: event.occurredAt },
    ],
    version: event.sequence,
    updatedAt: event.occurredAt,
  };
}

/** Folds a stream from nothing (tests and the bench use it; the projector folds per batch). */
export const foldOrder = (events: readonly OrderEvent[]): OrderView | null =>
  events.reduce<OrderView | null>((doc, event) => evolveOrder(doc, event), null);
