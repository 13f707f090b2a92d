import { orderFor } from '../api-client';
import { chaosLog } from '../log';
import { countStatuses, pool, waitUntilFinal } from '../load';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';

/** Many concurrent submissions of one order with one Idempotency-Key: one saga, one charge. */
export async function duplicateSubmissions(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<ReconcileReport & { orderIds: string[]; statuses: Record<number, number> }> {
  const sku = 'CHAOS-IDEMPOTENT';
  await system.seed(sku, 10);
  const order = orderFor('dup-customer', sku);
  const replies = await pool(scale.duplicateSubmissions, scale.duplicateSubmissions, () =>
    system.api.placeOrder(order, 'chaos-one-key'),
  );
  const statuses = countStatuses(replies.map((r) => r.status));
  const orderIds = [...new Set(replies.flatMap((r) => (r.orderId ? [r.orderId] : [])))];
  chaosLog(`duplicates: ${JSON.stringify(statuses)}, order ids ${orderIds.join(',')}`);
  await waitUntilFinal(system.mongo, orderIds, scale.settleMs);
  const report = await system.reconcile(
    `${scale.duplicateSubmissions} x one Idempotency-Key`,
    replies.flatMap((r) => (r.orderId ? [r.orderId] : [])),
    [sku],
  );
  return { ...report, orderIds, statuses };
}

/** More concurrent orders than units left: exactly `lastUnits` complete, the rest cancel. */
export async function lastUnitsRace(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<ReconcileReport & { statuses: Record<number, number> }> {
  const sku = 'CHAOS-LAST-UNITS';
  await system.seed(sku, scale.lastUnits);
  const replies = await pool(scale.racingOrders, scale.racingOrders, (i) =>
    system.api.placeOrder(orderFor(`race-${i}`, sku)),
  );
  const statuses = countStatuses(replies.map((r) => r.status));
  const accepted = replies.flatMap((r) => (r.orderId ? [r.orderId] : []));
  await waitUntilFinal(system.mongo, accepted, scale.settleMs);
  const report = await system.reconcile(
    `${scale.racingOrders} orders for the last ${scale.lastUnits} units`,
    accepted,
    [sku],
  );
  return { ...report, statuses };
}
