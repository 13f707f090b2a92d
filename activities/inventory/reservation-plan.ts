import type { OrderItemRequest } from '../../contracts/order';

export interface ReservationLine {
  sku: string;
  quantity: number;
}

/**
 * The lines to take for an order: one per SKU (repeated SKUs summed, so a line is taken with
 * one conditional write) in SKU order, so every attempt takes them in the same order.
 */
export function planReservation(items: readonly OrderItemRequest[]): ReservationLine[] {
  const bySku = new Map<string, number>();
  for (const item of items) bySku.set(item.sku, (bySku.get(item.sku) ?? 0) + item.quantity);
  return [...bySku.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}
