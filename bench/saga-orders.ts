import { performance } from 'node:perf_hooks';
import { EVENT_OWNER } from '../contracts/events';
import type { OrderEventType } from '../contracts/events';
import type { OrderStatus, PlaceOrder } from '../contracts/order';
import { orderWorkflowId } from '../contracts/order';
import { TASK_QUEUES } from '../contracts/services';
import type { CustomerStats, OrderView, SkuSales } from '../contracts/read-models';
import { READ_MODEL_COLLECTIONS } from '../contracts/read-models';
import { devToken } from '../scripts/token';
import { orderInput } from '../testing/fake-services';
import { getOrderStateQuery } from '../workflows/messages';
import { describeError } from './errors';
import { call as httpCall, type Reply } from './http';
import { runPool } from './pool';
import type { BenchSystem } from './system';

// The saga row's load and checks: orders through the API until each read model is final, the
// activities the happy path scheduled (the baselines copy them), and the read models checked
// against the sagas.

const FINAL: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED', 'COMPENSATION_FAILED'];

/** One API request; a failure to reach the API says which request and why (fetch's cause). */
async function call<T>(
  url: string,
  method: string,
  token: string,
  body?: unknown,
): Promise<Reply<T>> {
  try {
    return await httpCall<T>(url, method, token, body);
  } catch (error) {
    throw new Error(`${method} ${new URL(url).pathname}: ${describeError(error)}`);
  }
}
export const CUSTOMERS = 10;

/** The sample order of the saga kit, for the bench's two catalog SKUs; the API assigns its id. */
function order(customerId: string): PlaceOrder {
  const { orderId, ...command } = orderInput({
    customerId,
    items: [
      { sku: 'KETTLE', quantity: 1 },
      { sku: 'TEAPOT', quantity: 2 },
    ],
    currency: 'EUR',
  });
  void orderId; // the saga kit's own id; POST /orders refuses one
  return command;
}

export interface Placed {
  orderId: string;
  view: OrderView;
  ms: number;
}

/** POST one order, then long-poll its read model (minVersion) until the status is final. */
export async function placeAndAwaitFinal(
  system: BenchSystem,
  token: string,
  customerId: string,
): Promise<Placed> {
  const started = performance.now();
  const placed = await call<{ orderId: string; version: number }>(
    `${system.apiUrl}/orders`,
    'POST',
    token,
    order(customerId),
  );
  if (placed.status !== 202) throw new Error(`POST /orders answered ${placed.status}`);
  const { orderId } = placed.body;
  let version = placed.body.version;
  for (;;) {
    const res = await call<OrderView>(
      `${system.apiUrl}/orders/${orderId}?minVersion=${version}&timeoutMs=5000`,
      'GET',
      token,
    );
    if (res.status !== 200 && res.status !== 404)
      throw new Error(`GET /orders/${orderId} answered ${res.status}`);
    if (res.status === 200) {
      if (FINAL.includes(res.body.status))
        return { orderId, view: res.body, ms: performance.now() - started };
      version = res.body.version + 1;
    }
  }
}

/** `count` orders, `concurrency` at a time, each awaited until final; in completion order. */
export async function placeWave(
  system: BenchSystem,
  tokens: readonly string[],
  count: number,
  concurrency: number,
  onFinal?: (done: number) => void,
): Promise<Placed[]> {
  const placed: Placed[] = [];
  await runPool(count, concurrency, async (i) => {
    placed.push(await placeAndAwaitFinal(system, tokens[i % CUSTOMERS], `bench-c${i % CUSTOMERS}`));
    onFinal?.(placed.length);
  });
  return placed;
}

/**
 * Until each order's workflow has closed: its read model is final before the workflow's last
 * activation (the one after its last event's publish), which the counters should include.
 */
export async function awaitClosed(system: BenchSystem, placed: readonly Placed[]): Promise<void> {
  await runPool(placed.length, 8, async (i) => {
    const handle = system.temporal.workflow.getHandle(orderWorkflowId(placed[i].orderId));
    await handle.result().catch(() => undefined);
  });
}

/** One activity the happy path schedules: its type and task queue. */
interface ScheduledActivity {
  type: string;
  queue: string;
}

/** The business steps of the happy path in order (price, reserve, authorize, ship, capture). */
export async function businessSteps(
  system: BenchSystem,
  orderId: string,
): Promise<ScheduledActivity[]> {
  const history = await system.temporal.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    const type = a?.activityType?.name ?? '?';
    const queue = a?.taskQueue?.name;
    // Orders started before the local-event-publishing patch also scheduled their events here.
    return queue && type !== 'publishOrderEvent' ? [{ type, queue }] : [];
  });
}

/**
 * The first baseline's activities: the business steps plus one per event the order published,
 * on its owner's queue, as the saga scheduled them before events became local activities. It
 * stays what it was so the figures of earlier runs remain comparable.
 */
export function withEventActivities(
  steps: readonly ScheduledActivity[],
  events: readonly { type: string }[],
): ScheduledActivity[] {
  return [
    ...steps,
    ...events.map((e) => {
      if (!(e.type in EVENT_OWNER)) throw new Error(`unknown event type ${e.type}`);
      const owner = EVENT_OWNER[e.type as OrderEventType];
      return { type: 'publishOrderEvent', queue: TASK_QUEUES[owner] };
    }),
  ];
}

/** Read models whose version or timeline differ from their saga's event count. */
async function versionMismatches(system: BenchSystem, placed: readonly Placed[]) {
  let mismatches = 0;
  let found = 0;
  await runPool(placed.length, 8, async (i) => {
    const p = placed[i];
    const state = await system.temporal.workflow
      .getHandle(orderWorkflowId(p.orderId))
      .query(getOrderStateQuery);
    const doc = await system.mongo
      .db(system.readDb)
      .collection<OrderView & { _id: string }>(READ_MODEL_COLLECTIONS.orders)
      .findOne({ _id: p.orderId });
    if (doc) found++;
    const timeline = doc?.timeline.map((t) => t.sequence).join(',');
    const expected = Array.from({ length: state.version }, (_, k) => k + 1).join(',');
    if (!doc || doc.version !== state.version || timeline !== expected) mismatches++;
  });
  return { mismatches, found };
}

/** The aggregates the orders read model implies: per customer and per SKU. */
function expectedAggregates(orders: readonly OrderView[]) {
  const customers = new Map<string, { byStatus: Map<string, number>; spent: number }>();
  const skus = new Map<string, { units: number; revenue: number }>();
  for (const o of orders) {
    const c = customers.get(o.customerId) ?? { byStatus: new Map<string, number>(), spent: 0 };
    c.byStatus.set(o.status, (c.byStatus.get(o.status) ?? 0) + 1);
    if (o.status === 'COMPLETED') {
      c.spent += o.total ?? 0;
      for (const item of o.items) {
        const s = skus.get(item.sku) ?? { units: 0, revenue: 0 };
        s.units += item.quantity;
        s.revenue += 'lineTotal' in item ? item.lineTotal : 0;
        skus.set(item.sku, s);
      }
    }
    customers.set(o.customerId, c);
  }
  return { customers, skus };
}

/** `customer_stats` and `sku_sales` documents that differ from the orders read model. */
async function aggregateMismatches(system: BenchSystem): Promise<number> {
  const db = system.mongo.db(system.readDb);
  const orders = await db
    .collection<OrderView & { _id: string }>(READ_MODEL_COLLECTIONS.orders)
    .find({})
    .toArray();
  const want = expectedAggregates(orders);
  let mismatches = 0;
  const stats = db.collection<CustomerStats>(READ_MODEL_COLLECTIONS.customerStats);
  for (const s of await stats.find({}).toArray()) {
    const c = want.customers.get(s.customerId);
    const nonZero = Object.entries(s.ordersByStatus).filter(([, n]) => n !== 0);
    const same =
      c !== undefined &&
      c.spent === s.totalSpent &&
      nonZero.length === c.byStatus.size &&
      nonZero.every(([k, n]) => c.byStatus.get(k) === n);
    if (!same) mismatches++;
    want.customers.delete(s.customerId);
  }
  const sales = db.collection<SkuSales>(READ_MODEL_COLLECTIONS.skuSales);
  for (const s of await sales.find({}).toArray()) {
    const w = want.skus.get(s.sku);
    if (!w || w.units !== s.unitsSold || w.revenue !== s.revenue) mismatches++;
    want.skus.delete(s.sku);
  }
  return mismatches + want.customers.size + want.skus.size;
}

/** Nothing applied twice or missed: versions equal the saga's event counts, aggregates exact. */
export async function checkReadModels(system: BenchSystem, placed: readonly Placed[]) {
  const versions = await versionMismatches(system, placed);
  return {
    versionMismatches: versions.mismatches,
    aggregateMismatches: await aggregateMismatches(system),
    readModels: versions.found,
  };
}

/** Stock for the saga's SKUs and a token per customer. */
export async function seed(system: BenchSystem): Promise<string[]> {
  const support = await devToken({
    sub: 'bench-support',
    scope: 'orders:read orders:write orders:support',
    ttlSeconds: 3600,
    secret: system.jwtSecret,
  });
  for (const [sku, unitPrice] of [
    ['KETTLE', 2_500],
    ['TEAPOT', 1_200],
  ] as const) {
    const res = await call(`${system.apiUrl}/inventory/${sku}`, 'PUT', support, {
      name: sku.toLowerCase(),
      unitPrice,
      available: 1_000_000,
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`PUT /inventory answered ${res.status}`);
  }
  return Promise.all(
    Array.from({ length: CUSTOMERS }, (_, i) =>
      devToken({
        sub: `bench-c${i}`,
        scope: 'orders:write orders:read',
        ttlSeconds: 3600,
        secret: system.jwtSecret,
      }),
    ),
  );
}
