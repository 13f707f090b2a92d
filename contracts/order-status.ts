import type { OrderEventType } from './events';
import type { OrderStatus } from './order';

/**
 * The status each event moves an order to, or `undefined` when the event records something
 * beside the status (pricing, compensation steps such as InventoryReleased, payment outcomes
 * that are followed by a status event of their own). One table for both sides: the workflow
 * sets its status (and the OrderStatus search attribute) from the event it emits, and the
 * projector folds the same events into the read model's status.
 */
export const STATUS_AFTER_EVENT: Readonly<Record<OrderEventType, OrderStatus | undefined>> = {
  OrderPlaced: 'PENDING',
  OrderPriced: undefined,
  OrderAwaitingApproval: 'AWAITING_APPROVAL',
  // Approved orders carry on with the saga: back to PENDING until inventory is reserved.
  OrderApproved: 'PENDING',
  OrderRejected: undefined, // followed by OrderCancelled, which carries the status and reason
  InventoryReserved: 'INVENTORY_RESERVED',
  InventoryReleased: undefined,
  PaymentConfirmationRequired: 'AWAITING_PAYMENT_CONFIRMATION',
  PaymentAuthorized: 'PAYMENT_AUTHORIZED',
  PaymentDeclined: undefined,
  PaymentCaptured: undefined,
  PaymentVoided: undefined,
  PaymentRefunded: undefined,
  ShipmentCreated: 'SHIPMENT_CREATED',
  ShipmentCancelled: undefined,
  OrderCompensating: 'COMPENSATING',
  CompensationFailed: 'COMPENSATION_FAILED',
  CompensationRetried: 'COMPENSATING',
  OrderCompleted: 'COMPLETED',
  OrderCancelled: 'CANCELLED',
};

export const statusAfter = (type: OrderEventType): OrderStatus | undefined =>
  STATUS_AFTER_EVENT[type];
