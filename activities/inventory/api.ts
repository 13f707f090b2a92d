import type { OrderItemRequest, PricedItem } from '../../contracts/order';

// The inventory service's activities as callers see them (types only: workflows import this).
// Business failures: `UnknownSku`, `OutOfStock` (non-retryable ApplicationFailures).

export interface PriceOrderInput {
  orderId: string;
  items: OrderItemRequest[];
}
export interface PriceOrderResult {
  items: PricedItem[];
  total: number;
}

export interface ReserveInventoryInput {
  /** Also the reservation's id, so its compensation can name it before the step ran. */
  idempotencyKey: string;
  orderId: string;
  items: OrderItemRequest[];
}
export interface ReserveInventoryResult {
  reservationId: string;
  items: OrderItemRequest[];
}

export interface ReleaseInventoryInput {
  idempotencyKey: string;
  orderId: string;
  reservationId: string;
}
/** `released` is false when there was nothing to give back (never reserved, or rolled back). */
export interface ReleaseInventoryResult {
  released: boolean;
}

export interface InventoryActivities {
  /** A catalog read: prices never come from the client. */
  priceOrder(input: PriceOrderInput): Promise<PriceOrderResult>;
  /** All lines or none; repeating with the same key returns the first result. */
  reserveInventory(input: ReserveInventoryInput): Promise<ReserveInventoryResult>;
  /** Gives the stock back; tolerates a reservation that never happened. */
  releaseInventory(input: ReleaseInventoryInput): Promise<ReleaseInventoryResult>;
}
