import type { OrderStatus } from '../../contracts/order';
import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import type { Actor, HistoryResult, OrderCommands, OrderPage, OrderReadModel } from '../ports';
import { createReadModelWatch, type Clock } from '../reads/read-your-writes';
import type { WaitSlots } from '../reads/wait-slots';
import { accepted, mayActFor, refused, type Outcome } from './outcome';

// What callers may read, and reading their own writes: the read models the projector builds,
// each order only to its customer and to support, and the workflow's history to support.

export interface OrderRead {
  view: OrderView;
  /** With minVersion: whether the read model reached it before the wait ended. */
  reached?: boolean;
}

export interface ReadOptions {
  /** Wait until the read model has applied this event sequence of the order. */
  minVersion?: number;
  /** How long to wait for it (default: the service's `defaultWaitMs`). */
  timeoutMs?: number;
  /** Aborted when the caller goes away: the wait ends with what it saw. */
  signal?: AbortSignal;
}

export interface ListOptions {
  /** Default: the caller's own orders, or everyone's for support. */
  customerId?: string;
  status?: OrderStatus;
  limit: number;
  after?: { createdAt: string; orderId: string };
}

export type WorkflowHistory = Extract<HistoryResult, { ok: true }>;

export interface OrderQueryService {
  get(by: Actor, orderId: string, options?: ReadOptions): Promise<Outcome<OrderRead>>;
  list(by: Actor, options: ListOptions): Promise<Outcome<OrderPage>>;
  /** The order workflow's history (support only: the route checks the scope). */
  history(orderId: string): Promise<Outcome<WorkflowHistory>>;
  /** A customer's counts by status and total spent: their own, or any for support. */
  customerStats(by: Actor, customerId: string): Promise<Outcome<CustomerStats>>;
  skuSales(sku: string): Promise<SkuSales>;
  topSkuSales(limit: number): Promise<SkuSales[]>;
}

export interface OrderQueryDeps {
  commands: OrderCommands;
  readModel: OrderReadModel;
  /** minVersion waits in flight in this instance. */
  waits: WaitSlots;
  clock: Clock;
  /** How long a minVersion read waits when the caller gives no timeout. */
  defaultWaitMs: number;
}

export function createOrderQueryService(deps: OrderQueryDeps): OrderQueryService {
  const { readModel } = deps;
  // Every minVersion wait of this instance is served by one loop of batched reads.
  const versions = createReadModelWatch({
    loadOne: (orderId) => readModel.get(orderId),
    loadMany: (orderIds) => readModel.getMany(orderIds),
    clock: deps.clock,
  });

  return {
    async get(by, orderId, options = {}) {
      const { minVersion } = options;
      const timeoutMs = minVersion === undefined ? 0 : (options.timeoutMs ?? deps.defaultWaitMs);
      const slot = timeoutMs > 0 ? deps.waits.acquire(by.sub) : undefined;
      if (slot && !slot.ok)
        return refused({ kind: 'too-many-waits', limit: slot.limit, limits: deps.waits.limits });
      const outcome = await versions
        .wait(orderId, {
          // Someone else's order ends the wait at once: it is answered as not found.
          isDone: (view) =>
            view !== null && (!mayActFor(by, view.customerId) || view.version >= (minVersion ?? 0)),
          timeoutMs,
          signal: options.signal,
        })
        .finally(() => slot?.release());
      const view = outcome.value;
      if (view !== null && mayActFor(by, view.customerId))
        return accepted({ view, ...(minVersion !== undefined && { reached: outcome.reached }) });
      if (view === null && minVersion !== undefined)
        return refused({
          kind: 'order-not-yet-visible',
          orderId,
          minVersion,
          waitedMs: outcome.waitedMs,
        });
      return refused({ kind: 'order-not-found', orderId });
    },

    async list(by, { customerId = by.support ? undefined : by.sub, ...rest }) {
      if (customerId !== undefined && !mayActFor(by, customerId))
        return refused({ kind: 'not-your-customer', customerId, action: 'list' });
      return accepted(await readModel.list({ customerId, ...rest }));
    },

    async history(orderId) {
      const result = await deps.commands.history(orderId);
      return result.ok ? accepted(result) : refused({ kind: 'order-not-found', orderId });
    },

    async customerStats(by, customerId) {
      if (!mayActFor(by, customerId))
        return refused({ kind: 'not-your-customer', customerId, action: 'read-stats' });
      // A customer without orders has no document yet: nothing counted is zero.
      const stats = await readModel.customerStats(customerId);
      return accepted(stats ?? { customerId, ordersByStatus: {}, totalSpent: 0 });
    },

    skuSales: async (sku) => (await readModel.skuSales(sku)) ?? { sku, unitsSold: 0, revenue: 0 },

    topSkuSales: (limit) => readModel.topSkuSales(limit),
  };
}
