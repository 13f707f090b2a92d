import type { PlaceOrder } from '../../../contracts/order';
import type { OrderView } from '../../../contracts/read-models';
import { orderFor } from '../api-client';
import { APP_NAMES } from '../app-processes';
import { chaosLog } from '../log';
import { countStatuses, placeUntilAnswered, pool, waitUntilFinal } from '../load';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';

// Issue 15: every application process (API, the four workers, the projector) killed at once
// mid-burst, restarted, and every client retrying with its Idempotency-Key; in 2 of 8 manual
// runs one SKU's stock then ended 1-2 units above its reservation ledger.

/** What each simulated payment token makes of an order (activities/payments/simulated-behaviour). */
const OUTCOME_BY_TOKEN = {
  tok_ok: 'COMPLETED',
  tok_flaky: 'COMPLETED', // two transient authorization failures first
  tok_declined: 'CANCELLED', // declined after the stock is reserved: released
  tok_capture_fails: 'CANCELLED', // declined at capture: shipment, payment and stock compensated
} as const;
type Token = keyof typeof OUTCOME_BY_TOKEN;
type Outcome = (typeof OUTCOME_BY_TOKEN)[Token];

export interface CrashClient {
  key: string;
  order: PlaceOrder;
  expected: Outcome;
}

/**
 * Client i (its own customer, so no shared rate limit): the four tokens in turn, each SKU taking
 * every token (four orders in a row per SKU); 1-3 units of that SKU, plus one unit of the next
 * SKU every third order, so some reservations span two SKUs.
 */
export function crashClients(n: number, skus: readonly string[]): CrashClient[] {
  const tokens = Object.keys(OUTCOME_BY_TOKEN) as Token[];
  return Array.from({ length: n }, (_, i) => {
    const token = tokens[i % tokens.length];
    const s = Math.floor(i / tokens.length) % skus.length;
    const base = orderFor(`kill-all-${i}`, skus[s], 1 + (i % 3));
    const items =
      i % 3 === 2 ? [...base.items, { sku: skus[(s + 1) % skus.length], quantity: 1 }] : base.items;
    return {
      key: `kill-all-${i}`,
      order: { ...base, items, paymentToken: token },
      expected: OUTCOME_BY_TOKEN[token],
    };
  });
}

export interface KillAllOutcome extends ReconcileReport {
  /** How many orders each final status should have, by their tokens. */
  expected: Record<Outcome, number>;
  /** Each client's first answer, after its retries. */
  statuses: Record<number, number>;
  /** Clients whose repeat after the restart was not a 202 with the order id they had. */
  repeatMismatches: string[];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Clients send their orders evenly over `crashBurstMs`. Every application process is killed with
 * SIGKILL at once while orders still arrive and sagas are at every step, reservations and
 * compensations included, then all are started again. Clients whose request failed retry it
 * until answered; then every client sends its request once more with the same key.
 */
export async function killEverythingMidBurst(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<KillAllOutcome> {
  const skus = Array.from({ length: scale.crashSkus }, (_, i) => `CHAOS-ALL-${i + 1}`);
  for (const sku of skus) await system.seed(sku, scale.crashStock);
  const clients = crashClients(scale.crashOrders, skus);
  const retry = { retryMs: 500, deadlineMs: scale.settleMs };
  const acceptedSoFar: string[] = [];
  const burst = Promise.all(
    clients.map(async (client, i) => {
      await pause((i * scale.crashBurstMs) / clients.length);
      const answer = await placeUntilAnswered(system.api, client.order, client.key, retry);
      if (answer.orderId) acceptedSoFar.push(answer.orderId);
      return answer;
    }),
  );

  const killedBy = await compensationUnderWay(system, skus, scale.crashBurstMs);
  await system.apps.killAll(APP_NAMES);
  chaosLog(
    `kill-all: killed ${killedBy}; ${acceptedSoFar.length}/${clients.length} accepted then; ` +
      `reservations ${JSON.stringify(await reservationsBy(system, skus))}, read model ` +
      `${JSON.stringify(await statusesOf(system, acceptedSoFar))}`,
  );
  await pause(1_000);
  await Promise.all(APP_NAMES.map((name) => system.apps.start(name)));
  const first = await burst;
  const retried = first.filter((a) => a.attempts > 1).length;
  chaosLog(
    `kill-all: first answers ${JSON.stringify(countStatuses(first.map((a) => a.status)))}, ` +
      `${retried} clients retried (up to ${Math.max(...first.map((a) => a.attempts))} requests)`,
  );

  // Every client once more with its key: the same order id, and no second saga.
  const repeats = await pool(clients.length, scale.httpConcurrency, (i) =>
    placeUntilAnswered(system.api, clients[i].order, clients[i].key, retry),
  );
  const repeatMismatches = clients.flatMap((c, i) =>
    repeats[i].status === 202 && repeats[i].orderId === first[i].orderId
      ? []
      : [
          `${c.key}: first ${first[i].orderId ?? first[i].status}, repeat ${repeats[i].orderId ?? repeats[i].status}`,
        ],
  );

  const expectedStatus = new Map<string, string>();
  const expected: Record<Outcome, number> = { COMPLETED: 0, CANCELLED: 0 };
  clients.forEach((c, i) => {
    const orderId = first[i].orderId ?? repeats[i].orderId;
    if (orderId) expectedStatus.set(orderId, c.expected);
    expected[c.expected] += 1;
  });
  const accepted = [...first, ...repeats].flatMap((a) => (a.orderId ? [a.orderId] : []));
  await waitUntilFinal(system.mongo, accepted, scale.settleMs);
  const report = await system.reconcile(
    `kill -9 every app process mid-burst`,
    accepted,
    skus,
    expectedStatus,
  );
  return {
    ...report,
    expected,
    statuses: countStatuses(first.map((a) => a.status)),
    repeatMismatches,
  };
}

/**
 * When to kill: once a reservation of these SKUs has been released (a compensation ran, so others
 * are running) after a third of the burst, or at three quarters of it at the latest, so orders
 * still arrive either way. Sagas advance at the machine's pace, hence a state, not a delay.
 */
async function compensationUnderWay(
  system: ChaosSystem,
  skus: readonly string[],
  burstMs: number,
): Promise<string> {
  const started = Date.now();
  await pause(burstMs / 3);
  while (Date.now() - started < (burstMs * 3) / 4) {
    if ((await reservationsBy(system, skus)).RELEASED) return 'after the first release';
    await pause(100);
  }
  return 'at three quarters of the burst';
}

// Where the sagas were at the kill (evidence for the report, not checked).

/** Reservations of these SKUs by status. */
async function reservationsBy(
  system: ChaosSystem,
  skus: readonly string[],
): Promise<Record<string, number>> {
  const docs = await system.mongo
    .db('inventory')
    .collection<{ status: string }>('reservations')
    .find({ 'lines.sku': { $in: [...skus] } }, { projection: { status: 1 } })
    .toArray();
  return countBy(docs.map((d) => d.status));
}

/** Orders by status in the read model (which lags the sagas). */
async function statusesOf(
  system: ChaosSystem,
  orderIds: readonly string[],
): Promise<Record<string, number>> {
  const views = await system.mongo
    .db('read')
    .collection<OrderView>('orders')
    .find({ orderId: { $in: [...orderIds] } }, { projection: { status: 1 } })
    .toArray();
  return countBy(views.map((v) => v.status));
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
