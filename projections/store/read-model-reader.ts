import type { Db, Filter } from 'mongodb';
import type { OrderStatus } from '../../contracts/order';
import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import { readActiveReadModels, type ReadModelNames } from './pointers';

// What the API reads, through the pointer, so a rebuild's switch is picked up without a
// restart. Storage fields (`_id`) never leave this module.

/** Read-model documents are keyed by their domain id. */
type OrderDoc = { _id: string } & OrderView;

const hidden = { _id: 0 } as const;

/** Where a page of orders ends: the next page starts after it. */
export interface OrderPosition {
  createdAt: string;
  orderId: string;
}

export interface ReadModelReader {
  getOrder(orderId: string): Promise<OrderView | null>;
  /** The orders among `orderIds` that exist, in one query. */
  getOrders(orderIds: readonly string[]): Promise<OrderView[]>;
  /**
   * Newest first: `createdAt` descending, ties broken by `orderId` descending, so the order is
   * total and `after` (the last position of a page) continues exactly where that page ended.
   */
  listOrders(filter: {
    customerId?: string;
    status?: OrderStatus;
    limit: number;
    after?: OrderPosition;
  }): Promise<OrderView[]>;
  getCustomerStats(customerId: string): Promise<CustomerStats | null>;
  getSkuSales(sku: string): Promise<SkuSales | null>;
  /** The `limit` SKUs with the most revenue, most first, ties by SKU. */
  topSkuSales(limit: number): Promise<SkuSales[]>;
}

/**
 * Queries over the active read models. A rebuild flips the pointer rarely, so it is re-read at
 * most every `pointerTtlMs` (one small query): reads follow a switch within that time.
 */
export function createReadModelReader(
  db: Db,
  options: { pointerTtlMs?: number; now?: () => number } = {},
): ReadModelReader {
  const ttl = options.pointerTtlMs ?? 2_000;
  const now = options.now ?? Date.now;
  let cached: { names: ReadModelNames; at: number } | undefined;
  const active = async () => {
    if (!cached || now() - cached.at > ttl) {
      cached = { names: (await readActiveReadModels(db)).collections, at: now() };
    }
    return cached.names;
  };
  const orders = async () => db.collection<OrderDoc>((await active()).orders);
  // Aggregate documents carry the projector's offset marks beside the contract's fields.
  const customerStats = async () => db.collection<{ _id: string }>((await active()).customerStats);
  const skuSales = async () => db.collection<{ _id: string }>((await active()).skuSales);
  return {
    async getOrder(orderId) {
      return (await orders()).findOne<OrderView>({ _id: orderId }, { projection: hidden });
    },
    async getOrders(orderIds) {
      return (await orders())
        .find<OrderView>({ _id: { $in: [...orderIds] } }, { projection: hidden })
        .toArray();
    },
    async listOrders({ customerId, status, limit, after }) {
      const filter: Filter<OrderDoc> = {};
      if (customerId !== undefined) filter.customerId = customerId;
      if (status !== undefined) filter.status = status;
      if (after) {
        const { createdAt, orderId } = after;
        filter.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, orderId: { $lt: orderId } }];
      }
      return (await orders())
        .find<OrderView>(filter, { projection: hidden })
        .sort({ createdAt: -1, orderId: -1 })
        .limit(limit)
        .toArray();
    },
    async getCustomerStats(customerId) {
      const projection = { _id: 0, customerId: 1, ordersByStatus: 1, totalSpent: 1 };
      return (await customerStats()).findOne<CustomerStats>({ _id: customerId }, { projection });
    },
    async getSkuSales(sku) {
      const projection = { _id: 0, sku: 1, unitsSold: 1, revenue: 1 };
      return (await skuSales()).findOne<SkuSales>({ _id: sku }, { projection });
    },
    async topSkuSales(limit) {
      return (await skuSales())
        .find<SkuSales>({}, { projection: { _id: 0, sku: 1, unitsSold: 1, revenue: 1 } })
        .sort({ revenue: -1, _id: 1 })
        .limit(limit)
        .toArray();
    },
  };
}
