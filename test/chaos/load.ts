import type { MongoClient } from 'mongodb';
import type { PlaceOrder } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { type ApiClient, orderFor } from './api-client';
import { chaosLog } from './log';
import { FINAL_STATUSES } from './reconcile';

/** Runs `task(i)` for i < n with at most `concurrency` at once. */
export async function pool<T>(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(n);
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface PlacedOrders {
  accepted: string[];
  /** How many answers of each status (0: no answer). */
  statuses: Record<number, number>;
}

export function countStatuses(statuses: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** Places `n` one-unit orders of `sku`, one customer each (the rate limit is per customer). */
export async function placeOrders(
  api: ApiClient,
  opts: { n: number; sku: string; prefix: string; concurrency: number },
): Promise<PlacedOrders> {
  const replies = await pool(opts.n, opts.concurrency, (i) =>
    api.placeOrder(orderFor(`${opts.prefix}-${i}`, opts.sku)),
  );
  return {
    accepted: replies.flatMap((r) => (r.orderId ? [r.orderId] : [])),
    statuses: countStatuses(replies.map((r) => r.status)),
  };
}

/** Polls the read model until every order is final (or the deadline); returns how many are. */
export async function waitUntilFinal(
  mongo: MongoClient,
  orderIds: readonly string[],
  timeoutMs: number,
): Promise<number> {
  const ids = [...new Set(orderIds)];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const final = await mongo
      .db('read')
      .collection<OrderView>('orders')
      .countDocuments({ orderId: { $in: ids }, status: { $in: [...FINAL_STATUSES] } })
      .catch(() => 0);
    if (final === ids.length || Date.now() > deadline) {
      chaosLog(`${final}/${ids.length} orders final`);
      return final;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export interface AnsweredOrder {
  /** The first answer that was not a failure to retry (0: none before the deadline). */
  status: number;
  orderId?: string;
  /** Requests sent, the answered one included. */
  attempts: number;
}

/**
 * A client that resends its order with the same Idempotency-Key until the API answers it: no
 * connection (the API is down), 429 and 5xx are retried every `retryMs`, up to `deadlineMs`.
 */
export async function placeUntilAnswered(
  api: ApiClient,
  order: PlaceOrder,
  idempotencyKey: string,
  opts: { retryMs: number; deadlineMs: number },
): Promise<AnsweredOrder> {
  const deadline = Date.now() + opts.deadlineMs;
  for (let attempts = 1; ; attempts++) {
    const { status, orderId } = await api.placeOrder(order, idempotencyKey);
    const retry = status === 0 || status === 429 || status >= 500;
    if (!retry || Date.now() > deadline) return { status, ...(orderId && { orderId }), attempts };
    await new Promise((r) => setTimeout(r, opts.retryMs));
  }
}
