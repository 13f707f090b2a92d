import { chaosLog } from '../log';
import { placeOrders, waitUntilFinal } from '../load';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';
import type { ReconcileReport } from '../reconcile';

/**
 * kill -9 the payments worker and the order (workflow) worker while sagas are in flight, then
 * start them again: Temporal retries the lost activity and workflow tasks on the new processes.
 */
export async function killWorkersMidFlight(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<ReconcileReport> {
  const sku = 'CHAOS-WORKERS';
  await system.seed(sku, scale.inFlightOrders * 2);
  const placing = placeOrders(system.api, {
    n: scale.inFlightOrders,
    sku,
    prefix: 'kw',
    concurrency: scale.httpConcurrency,
  });
  // Let roughly a third of the orders in before the crash, so sagas are at every step.
  await new Promise((r) => setTimeout(r, 1_500));
  await system.apps.kill('payments');
  await system.apps.kill('orders');
  const placed = await placing;
  chaosLog(`kill-workers: placed ${JSON.stringify(placed.statuses)}`);
  await new Promise((r) => setTimeout(r, 2_000));
  await Promise.all([system.apps.start('payments'), system.apps.start('orders')]);
  await waitUntilFinal(system.mongo, placed.accepted, scale.settleMs);
  return system.reconcile('kill -9 payments + orders workers', placed.accepted, [sku]);
}
