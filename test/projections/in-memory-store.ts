import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import { evolveCustomerStats, evolveSkuSales } from '../../projections/aggregates';
import type { ProjectionStore } from '../../projections/mongo-store';

/** The store's guards (version filter, per-partition offset marks) without a database. */
export class InMemoryProjectionStore implements ProjectionStore {
  readonly orders = new Map<string, OrderView>();
  readonly customers = new Map<string, CustomerStats>();
  readonly skus = new Map<string, SkuSales>();
  private readonly marks = new Map<string, number>();

  loadOrders(ids: readonly string[]) {
    const found = new Map<string, OrderView>();
    for (const id of ids) {
      const doc = this.orders.get(id);
      if (doc) found.set(id, structuredClone(doc));
    }
    return Promise.resolve(found);
  }

  private guarded(key: string, partition: number, offset: string, apply: () => void) {
    const mark = `${key}|p${partition}`;
    if ((this.marks.get(mark) ?? -1) >= Number(offset)) return;
    apply();
    this.marks.set(mark, Number(offset));
  }

  applyAggregates(
    partition: number,
    customerOps: Parameters<ProjectionStore['applyAggregates']>[1],
    skuOps: Parameters<ProjectionStore['applyAggregates']>[2],
  ) {
    for (const { offset, delta } of customerOps) {
      this.guarded(`c:${delta.customerId}`, partition, offset, () =>
        this.customers.set(
          delta.customerId,
          evolveCustomerStats(this.customers.get(delta.customerId) ?? null, delta),
        ),
      );
    }
    for (const { offset, delta } of skuOps) {
      this.guarded(`s:${delta.sku}`, partition, offset, () =>
        this.skus.set(delta.sku, evolveSkuSales(this.skus.get(delta.sku) ?? null, delta)),
      );
    }
    return Promise.resolve();
  }

  writeOrders(docs: readonly OrderView[]) {
    for (const doc of docs) {
      const stored = this.orders.get(doc.orderId);
      if (!stored || stored.version < doc.version)
        this.orders.set(doc.orderId, structuredClone(doc));
    }
    return Promise.resolve();
  }
}
