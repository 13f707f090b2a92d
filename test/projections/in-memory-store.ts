import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import { evolveCustomerStats, evolveSkuSales } from '../../projections/fold/aggregates';
import type { ProjectionStore } from '../../projections/store/mongo-store';

export interface InMemorySnapshot {
  orders: Map<string, OrderView>;
  customers: Map<string, CustomerStats>;
  skus: Map<string, SkuSales>;
  positions: Map<number, number>;
  marks: Map<string, number>;
}

/** The store's guards (version filter, per-partition offset marks, positions) without a database. */
export class InMemoryProjectionStore implements ProjectionStore {
  readonly orders = new Map<string, OrderView>();
  readonly customers = new Map<string, CustomerStats>();
  readonly skus = new Map<string, SkuSales>();
  readonly positions = new Map<number, number>();
  private readonly marks = new Map<string, number>();

  /** Everything the store holds, to simulate a database that comes back without its latest writes. */
  snapshot(): InMemorySnapshot {
    return structuredClone({
      orders: this.orders,
      customers: this.customers,
      skus: this.skus,
      positions: this.positions,
      marks: this.marks,
    });
  }

  /** Back to an earlier snapshot: every write after it is lost, as after a crash that loses a suffix. */
  restore(snapshot: InMemorySnapshot): void {
    const copy = structuredClone(snapshot);
    for (const [mine, theirs] of [
      [this.orders, copy.orders],
      [this.customers, copy.customers],
      [this.skus, copy.skus],
      [this.positions, copy.positions],
      [this.marks, copy.marks],
    ] as [Map<unknown, unknown>, Map<unknown, unknown>][]) {
      mine.clear();
      for (const [k, v] of theirs) mine.set(k, v);
    }
  }

  loadOrders(_partition: number, ids: readonly string[]) {
    const found = new Map<string, OrderView>();
    for (const id of ids) {
      const doc = this.orders.get(id);
      if (doc) found.set(id, structuredClone(doc));
    }
    return Promise.resolve(found);
  }

  loadPosition(partition: number) {
    return Promise.resolve(this.positions.get(partition) ?? null);
  }

  /** Nothing to forget: this store keeps no cache. */
  forgetKnownDocuments(_partition: number) {}

  savePosition(partition: number, next: number) {
    this.positions.set(partition, Math.max(next, this.positions.get(partition) ?? 0));
    return Promise.resolve();
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

  writeOrders(_partition: number, docs: readonly OrderView[]) {
    for (const doc of docs) {
      const stored = this.orders.get(doc.orderId);
      if (!stored || stored.version < doc.version)
        this.orders.set(doc.orderId, structuredClone(doc));
    }
    return Promise.resolve();
  }
}
