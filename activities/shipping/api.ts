import type { OrderItemRequest, ShippingAddress } from '../../contracts/order';

// The shipping service's activities as callers see them (types only: workflows import this).
// Business failure: `ShippingUnavailable` (non-retryable ApplicationFailure).

export interface CreateShipmentInput {
  /** Also the shipment's id, so its compensation can name it before the step ran. */
  idempotencyKey: string;
  orderId: string;
  address: ShippingAddress;
  items: OrderItemRequest[];
}
export interface CreateShipmentResult {
  shipmentId: string;
  trackingNumber: string;
}

export interface CancelShipmentInput {
  idempotencyKey: string;
  orderId: string;
  shipmentId: string;
}
/** `cancelled` is false when there was no shipment to cancel. */
export interface CancelShipmentResult {
  cancelled: boolean;
}

export interface ShippingActivities {
  createShipment(input: CreateShipmentInput): Promise<CreateShipmentResult>;
  cancelShipment(input: CancelShipmentInput): Promise<CancelShipmentResult>;
}
