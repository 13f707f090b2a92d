import type { OrderItemRequest, PricedItem } from '../../contracts/order';
import { UnknownSkuError } from './errors';

/** Prices the lines from catalog prices (never from the client); unknown SKUs are refused. */
export function priceItems(
  items: readonly OrderItemRequest[],
  unitPrices: ReadonlyMap<string, number>,
): { items: PricedItem[]; total: number } {
  const unknown = [...new Set(items.map((i) => i.sku).filter((sku) => !unitPrices.has(sku)))];
  if (unknown.length > 0) throw new UnknownSkuError(unknown);
  const priced = items.map((item) => {
    const unitPrice = unitPrices.get(item.sku) ?? 0;
    return { ...item, unitPrice, lineTotal: unitPrice * item.quantity };
  });
  return { items: priced, total: priced.reduce((sum, i) => sum + i.lineTotal, 0) };
}
