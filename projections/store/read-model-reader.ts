import type { Db } from 'mongodb';
import type { OrderStatus } from '../../contracts/order';
import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import { APPLIED_OFFSETS_FIELD } from './mongo-store';
import type { ReadModelNames } from './pointers';
import { readActiveReadModels } from './pointers';

// What the API reads, through the pointer, so a rebuild's switch is picked up without a
// restart. Internal fields (`_id`, idempotency marks) never leave this module.

/** Read-model documents are keyed by their domain id. */
type Keyed = { _id: string };

const hidden = { _id: 0, [APPLIED_OFFSETS_FIELD]: 0 } as const;

export interface ReadModelQueries {
  getOrder(orderId: string): Promise<OrderView | null>;
  /** Newest first. */
  listOrders(filter: {
    customerId?: string;
    status?: OrderStatus;
    limit: number;
  }): Promise<OrderView[]>;
  getCustomerStats(customerId: string): Promise<CustomerStats | null>;
  getSkuSales(sku: string): Promise<SkuSales | null>;
  /** Best sellers by revenue. */
  topSkus(limit: number): Promise<SkuSales[]>;
}

/**
 * Queries over the active read models. The pointer is re-read at most every `pointerTtlMs`
 * (one small query), so reads follow a rebuild's switch within that time.
 */
export function createReadModelQueries(
  db: Db,
  options: { pointerTtlMs?: number; now?: () => number } = {},
): ReadModelQueries {
  const ttl = options.pointerTtlMs ?? 2_000;
  const now = options.now ?? Date.now;
  let cached: { names: ReadModelNames; at: number } | undefined;
  const names = async (): Promise<ReadModelNames> => {
    if (!cached || now() - cached.at > ttl) {
      cached = { names: (await readActiveReadModels(db)).collections, at: now() };
    }
    return cached.names;
  };
  return {
    async getOrder(orderId) {
      const c = (await names()).orders;
      return db.collection<Keyed>(c).findOne<OrderView>({ _id: orderId }, { projection: hidden });
    },
    async listOrders({ customerId, status, limit }) {
      const c = (await names()).orders;
      return db
        .collection(c)
        .find<OrderView>(
          { ...(customerId ? { customerId } : {}), ...(status ? { status } : {}) },
          { projection: hidden },
        )
        .sort({ createdAt: -1, orderId: 1 })
        .limit(limit)
        .toArray();
    },
    async getCustomerStats(customerId) {
      const c = (await names()).customerStats;
      return db
        .collection<Keyed>(c)
        .findOne<CustomerStats>({ _id: customerId }, { projection: hidden });
    },
    async getSkuSales(sku) {
      const c = (await names()).skuSales;
      return db.collection<Keyed>(c).findOne<SkuSales>({ _id: sku }, { projection: hidden });
    },
    async topSkus(limit) {
      const c = (await names()).skuSales;
      return db
        .collection(c)
        .find<SkuSales>({}, { projection: hidden })
        .sort({ revenue: -1, sku: 1 })
        .limit(limit)
        .toArray();
    },
  };
}
