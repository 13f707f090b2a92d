import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';

/** Aggregates computed the obvious way from final order views: each order counted once. */
export function expectedAggregates(views: Iterable<OrderView>) {
  const customers = new Map<string, CustomerStats>();
  const skus = new Map<string, SkuSales>();
  for (const v of views) {
    const c = customers.get(v.customerId) ?? {
      customerId: v.customerId,
      ordersByStatus: {},
      totalSpent: 0,
    };
    c.ordersByStatus[v.status] = (c.ordersByStatus[v.status] ?? 0) + 1;
    if (v.status === 'COMPLETED') {
      c.totalSpent += v.total ?? 0;
      for (const item of v.items) {
        const s = skus.get(item.sku) ?? { sku: item.sku, unitsSold: 0, revenue: 0 };
        s.unitsSold += item.quantity;
        s.revenue += 'lineTotal' in item ? item.lineTotal : 0;
        skus.set(item.sku, s);
      }
    }
    customers.set(v.customerId, c);
  }
  return { customers, skus };
}

/** `$inc` leaves zero counts behind (an order moved on); they mean the same as absent ones. */
export const withoutZeroCounts = (c: CustomerStats): CustomerStats => ({
  ...c,
  ordersByStatus: Object.fromEntries(Object.entries(c.ordersByStatus).filter(([, n]) => n !== 0)),
});
