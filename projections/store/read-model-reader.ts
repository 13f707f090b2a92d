import type { Db, Filter } from 'mongodb';
import type { OrderStatus } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { readActiveReadModels } from './pointers';

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
  let cached: { orders: string; at: number } | undefined;
  const orders = async () => {
    if (!cached || now() - cached.at > ttl) {
      cached = { orders: (await readActiveReadModels(db)).collections.orders, at: now() };
    }
    return db.collection<OrderDoc>(cached.orders);
  };
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
  };
}
