import type { OrderStatus } from '../../contracts/order';
import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';

// `customer_stats` and `sku_sales` are folds too, but over order *transitions* (the order view
// before and after an event) rather than raw events: "PaymentAuthorized" alone does not say
// which status count to decrement. The transition comes from the orders fold, so every
// aggregate is defined by the same event stream; the store applies a delta as `$inc`.

/** What one order adds to its customer's stats right now. */
interface CustomerContribution {
  customerId: string;
  status: OrderStatus;
  /** Counted only once the order is COMPLETED. */
  spent: number;
}

export interface CustomerStatsDelta {
  customerId: string;
  /** Status → +1/-1; never has zero entries. */
  ordersByStatus: Partial<Record<OrderStatus, number>>;
  totalSpent: number;
}

export interface SkuSalesDelta {
  sku: string;
  unitsSold: number;
  revenue: number;
}

function customerContribution(order: OrderView | null): CustomerContribution | null {
  if (!order) return null;
  return {
    customerId: order.customerId,
    status: order.status,
    spent: order.status === 'COMPLETED' ? (order.total ?? 0) : 0,
  };
}

/** Units and revenue per SKU that a COMPLETED order contributes (several lines may share one). */
function skuContribution(order: OrderView | null): Map<string, { units: number; revenue: number }> {
  const bySku = new Map<string, { units: number; revenue: number }>();
  if (order?.status !== 'COMPLETED') return bySku;
  for (const item of order.items) {
    const revenue = 'lineTotal' in item ? item.lineTotal : 0;
    const prev = bySku.get(item.sku) ?? { units: 0, revenue: 0 };
    bySku.set(item.sku, { units: prev.units + item.quantity, revenue: prev.revenue + revenue });
  }
  return bySku;
}

/** The customer-stats change an order transition causes, or null when there is none. */
export function customerStatsDelta(
  before: OrderView | null,
  after: OrderView,
): CustomerStatsDelta | null {
  const was = customerContribution(before);
  const is = customerContribution(after)!;
  const ordersByStatus: Partial<Record<OrderStatus, number>> = {};
  if (was?.status !== is.status) {
    if (was) ordersByStatus[was.status] = -1;
    ordersByStatus[is.status] = 1;
  }
  const totalSpent = is.spent - (was?.spent ?? 0);
  if (Object.keys(ordersByStatus).length === 0 && totalSpent === 0) return null;
  return { customerId: is.customerId, ordersByStatus, totalSpent };
}

/** The per-SKU sales changes an order transition causes (empty unless it completes). */
export function skuSalesDeltas(before: OrderView | null, after: OrderView): SkuSalesDelta[] {
  const was = skuContribution(before);
  const is = skuContribution(after);
  const deltas: SkuSalesDelta[] = [];
  for (const sku of new Set([...was.keys(), ...is.keys()])) {
    const unitsSold = (is.get(sku)?.units ?? 0) - (was.get(sku)?.units ?? 0);
    const revenue = (is.get(sku)?.revenue ?? 0) - (was.get(sku)?.revenue ?? 0);
    if (unitsSold !== 0 || revenue !== 0) deltas.push({ sku, unitsSold, revenue });
  }
  return deltas.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** The customer_stats reducer: what the store's `$inc` does, as a pure function. */
export function evolveCustomerStats(
  doc: CustomerStats | null,
  delta: CustomerStatsDelta,
): CustomerStats {
  const ordersByStatus = { ...(doc?.ordersByStatus ?? {}) };
  for (const [status, change] of Object.entries(delta.ordersByStatus)) {
    ordersByStatus[status] = (ordersByStatus[status] ?? 0) + change;
  }
  return {
    customerId: delta.customerId,
    ordersByStatus,
    totalSpent: (doc?.totalSpent ?? 0) + delta.totalSpent,
  };
}

/** The sku_sales reducer. */
export function evolveSkuSales(doc: SkuSales | null, delta: SkuSalesDelta): SkuSales {
  return {
    sku: delta.sku,
    unitsSold: (doc?.unitsSold ?? 0) + delta.unitsSold,
    revenue: (doc?.revenue ?? 0) + delta.revenue,
  };
}
