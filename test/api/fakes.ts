import type { OrderStatus, PlaceOrder } from '../../contracts/order';
import type { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import type {
  Actor,
  Catalog,
  CatalogEntry,
  HistoryResult,
  IdempotencyStore,
  OrderCommands,
  OrderPage,
  OrderReadModel,
  ProbeResult,
  ProcessedWebhooks,
  Readiness,
  ReservationResult,
  UpdateResult,
} from '../../api/ports';
import { isTooLateToCancel, type UpdateRejectionReason } from '../../workflows/client';

// In-memory implementations of the API's ports, with knobs the tests turn.

interface FakeOrder {
  command: PlaceOrder;
  status: OrderStatus;
  /** Set once a support decision or the provider's confirmation was accepted. */
  decided?: boolean;
  confirmed?: boolean;
}

const refused = (reason: UpdateRejectionReason, detail: string): UpdateResult => ({
  ok: false,
  reason,
  detail,
});
const NOT_FOUND = { ok: false, reason: 'NOT_FOUND' } as const;

/**
 * The order workflow as the API sees it: each message accepted or refused with the reason the
 * workflow gives in the order's status (workflows/order-state.ts).
 */
export class FakeCommands implements OrderCommands {
  readonly orders = new Map<string, FakeOrder>();
  readonly calls: { method: string; orderId: string; by?: Actor; outcome?: string }[] = [];
  starts = 0;

  async placeOrder(orderId: string, command: PlaceOrder) {
    await Promise.resolve();
    const started = !this.orders.has(orderId);
    if (started) {
      this.starts += 1;
      this.orders.set(orderId, { command, status: 'PENDING' });
    }
    return { ok: true as const, orderId, status: 'PENDING' as const, version: 1, started };
  }

  async cancel(orderId: string, by: Actor): Promise<UpdateResult> {
    await Promise.resolve();
    this.calls.push({ method: 'cancel', orderId, by });
    const order = this.orders.get(orderId);
    if (!order) return NOT_FOUND;
    if (isTooLateToCancel(order.status))
      return refused('TOO_LATE_TO_CANCEL', 'The shipment has already been created.');
    if (order.status === 'CANCELLED')
      return refused('ALREADY_CANCELLING', 'The order is already being cancelled.');
    order.status = 'COMPENSATING';
    return { ok: true };
  }

  private decide(orderId: string, by: Actor, method: string): Promise<UpdateResult> {
    this.calls.push({ method, orderId, by });
    const order = this.orders.get(orderId);
    if (!order) return Promise.resolve(NOT_FOUND);
    if (order.decided) return Promise.resolve(refused('ALREADY_DECIDED', 'Decided already.'));
    if (order.status !== 'AWAITING_APPROVAL')
      return Promise.resolve(refused('NOT_AWAITING_APPROVAL', `status ${order.status}`));
    order.decided = true;
    return Promise.resolve({ ok: true });
  }
  approve = (orderId: string, by: Actor) => this.decide(orderId, by, 'approve');
  reject = (orderId: string, by: Actor) => this.decide(orderId, by, 'reject');

  confirmPayment(orderId: string, outcome: 'confirmed' | 'failed'): Promise<UpdateResult> {
    this.calls.push({ method: 'confirmPayment', orderId, outcome });
    const order = this.orders.get(orderId);
    if (!order) return Promise.resolve(NOT_FOUND);
    if (order.confirmed)
      return Promise.resolve(
        refused('ALREADY_CONFIRMED', 'The confirmation has already been received.'),
      );
    if (order.status !== 'AWAITING_PAYMENT_CONFIRMATION')
      return Promise.resolve(refused('NOT_AWAITING_CONFIRMATION', `status ${order.status}`));
    order.confirmed = true;
    return Promise.resolve({ ok: true });
  }

  /** Orders whose retry was asked for and has not run (the workflow's inbox flag). */
  readonly retriesScheduled = new Set<string>();

  retryCompensation(orderId: string, by: Actor): Promise<UpdateResult> {
    this.calls.push({ method: 'retryCompensation', orderId, by });
    const order = this.orders.get(orderId);
    if (!order) return Promise.resolve(NOT_FOUND);
    if (this.retriesScheduled.has(orderId))
      return Promise.resolve(refused('RETRY_ALREADY_SCHEDULED', 'A retry is already scheduled.'));
    if (order.status !== 'COMPENSATION_FAILED')
      return Promise.resolve(
        refused(
          'NO_FAILED_COMPENSATION',
          `No compensation is waiting for a retry (status ${order.status}).`,
        ),
      );
    this.retriesScheduled.add(orderId);
    return Promise.resolve({ ok: true });
  }

  /** Like the visibility query: running orders of the customer, not COMPENSATION_FAILED. */
  openOrdersOf(customerId: string): Promise<number> {
    this.calls.push({ method: 'openOrdersOf', orderId: '', outcome: customerId });
    const finished: OrderStatus[] = ['COMPLETED', 'CANCELLED', 'COMPENSATION_FAILED'];
    const open = [...this.orders.values()].filter(
      (o) => o.command.customerId === customerId && !finished.includes(o.status),
    );
    return Promise.resolve(open.length);
  }

  history(orderId: string): Promise<HistoryResult> {
    if (!this.orders.has(orderId)) return Promise.resolve({ ok: false, reason: 'NOT_FOUND' });
    return Promise.resolve({
      ok: true,
      workflowId: `order-${orderId}`,
      runId: 'run-1',
      namespace: 'default',
      status: 'RUNNING',
      events: [
        {
          eventId: 1,
          type: 'WorkflowExecutionStarted',
          time: '2026-01-01T00:00:00.000Z',
          name: 'orderSaga',
        },
      ],
    });
  }

  ownerOf(orderId: string) {
    const order = this.orders.get(orderId);
    return Promise.resolve(
      order
        ? { ok: true as const, customerId: order.command.customerId }
        : { ok: false as const, reason: 'NOT_FOUND' as const },
    );
  }
}

export class FakeReadModel implements OrderReadModel {
  readonly views = new Map<string, OrderView>();
  /** The aggregates, as the projector would have them. */
  readonly stats = new Map<string, CustomerStats>();
  readonly sales = new Map<string, SkuSales>();
  /** Reads so far, single and batched (one per batch). */
  gets = 0;
  /** The ids of each batched read, in order. */
  readonly batches: string[][] = [];
  /** Called before each read of an order: lets a test make a document appear or advance. */
  onGet?: (orderId: string, attempt: number) => void;
  failWith?: Error;

  get(orderId: string): Promise<OrderView | null> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.gets += 1;
    this.onGet?.(orderId, this.gets);
    return Promise.resolve(this.views.get(orderId) ?? null);
  }

  getMany(orderIds: readonly string[]): Promise<Map<string, OrderView>> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.gets += 1;
    this.batches.push([...orderIds]);
    for (const id of orderIds) this.onGet?.(id, this.gets);
    const found = orderIds.flatMap((id) => {
      const view = this.views.get(id);
      return view ? [[id, view] as const] : [];
    });
    return Promise.resolve(new Map(found));
  }

  list(q: Parameters<OrderReadModel['list']>[0]): Promise<OrderPage> {
    if (this.failWith) return Promise.reject(this.failWith);
    const all = [...this.views.values()]
      .filter((v) => q.customerId === undefined || v.customerId === q.customerId)
      .filter((v) => q.status === undefined || v.status === q.status)
      .sort((a, b) =>
        a.createdAt === b.createdAt
          ? b.orderId.localeCompare(a.orderId)
          : b.createdAt.localeCompare(a.createdAt),
      )
      .filter(
        (v) =>
          !q.after ||
          v.createdAt < q.after.createdAt ||
          (v.createdAt === q.after.createdAt && v.orderId < q.after.orderId),
      );
    const items = all.slice(0, q.limit);
    const last = items[items.length - 1];
    return Promise.resolve(
      all.length > q.limit && last
        ? { items, next: { createdAt: last.createdAt, orderId: last.orderId } }
        : { items },
    );
  }

  customerStats(customerId: string): Promise<CustomerStats | null> {
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.stats.get(customerId) ?? null);
  }

  skuSales(sku: string): Promise<SkuSales | null> {
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.sales.get(sku) ?? null);
  }

  topSkuSales(limit: number): Promise<SkuSales[]> {
    if (this.failWith) return Promise.reject(this.failWith);
    const bySales = [...this.sales.values()].sort(
      (a, b) => b.revenue - a.revenue || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0),
    );
    return Promise.resolve(bySales.slice(0, limit));
  }
}

export class FakeCatalog implements Catalog {
  readonly entries = new Map<string, CatalogEntry>();
  upsert(sku: string, entry: { name: string; unitPrice: number; available: number }) {
    const created = !this.entries.has(sku);
    const stored = { sku, ...entry, updatedAt: '2026-01-01T00:00:00.000Z' };
    this.entries.set(sku, stored);
    return Promise.resolve({ entry: stored, created });
  }
  get(sku: string) {
    return Promise.resolve(this.entries.get(sku) ?? null);
  }
}

/** Same contract as the Mongo store, including atomicity under concurrency (single thread). */
export class FakeIdempotencyStore implements IdempotencyStore {
  readonly keys = new Map<string, { bodyHash: string; orderId: string }>();
  async reserve(key: string, bodyHash: string, orderId: string): Promise<ReservationResult> {
    await new Promise((r) => setImmediate(r)); // let concurrent requests interleave
    const existing = this.keys.get(key);
    if (!existing) {
      this.keys.set(key, { bodyHash, orderId });
      return { kind: 'reserved', orderId };
    }
    return existing.bodyHash === bodyHash
      ? { kind: 'repeat', orderId: existing.orderId }
      : { kind: 'conflict' };
  }
  release(key: string, orderId: string): Promise<void> {
    if (this.keys.get(key)?.orderId === orderId) this.keys.delete(key);
    return Promise.resolve();
  }
}

/** Same contract as the Mongo adapter (without stale claims): one claim per id until released. */
export class FakeProcessedWebhooks implements ProcessedWebhooks {
  readonly ids = new Map<string, 'processing' | 'processed'>();
  claim(id: string) {
    const state = this.ids.get(id);
    if (state) return Promise.resolve(state);
    this.ids.set(id, 'processing');
    return Promise.resolve('claimed' as const);
  }
  complete(id: string) {
    this.ids.set(id, 'processed');
    return Promise.resolve();
  }
  release(id: string) {
    if (this.ids.get(id) === 'processing') this.ids.delete(id);
    return Promise.resolve();
  }
}

export class FakeReadiness implements Readiness {
  down = new Set<ProbeResult['name']>();
  /** How many times the probes ran. */
  checks = 0;
  check(): Promise<ProbeResult[]> {
    this.checks += 1;
    return Promise.resolve(
      (['temporal', 'kafka', 'mongodb'] as const).map((name) =>
        this.down.has(name)
          ? { name, ok: false, detail: 'connect ECONNREFUSED 10.1.2.3:27017' }
          : { name, ok: true },
      ),
    );
  }
}

export function orderView(overrides: Partial<OrderView> & { orderId: string }): OrderView {
  return {
    customerId: 'alice',
    status: 'PENDING',
    items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 500, lineTotal: 1000 }],
    total: 1000,
    currency: 'USD',
    payment: { status: 'NONE' },
    shipment: { status: 'NONE' },
    timeline: [{ sequence: 1, type: 'OrderPlaced', occurredAt: '2026-01-01T00:00:00.000Z' }],
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
