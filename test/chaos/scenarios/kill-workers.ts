import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';
import { ordersThroughFault, sleep } from './in-flight';

/**
 * kill -9 the payments worker and the order (workflow) worker while sagas are in flight, then
 * start them again: Temporal retries the lost activity and workflow tasks on the new processes.
 */
export function killWorkersMidFlight(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<ReconcileReport> {
  return ordersThroughFault(system, scale, {
    name: 'kill -9 payments + orders workers',
    sku: 'CHAOS-WORKERS',
    prefix: 'kw',
    async during() {
      // Let roughly a third of the orders in before the crash, so sagas are at every step.
      await sleep(1_500);
      await system.apps.kill('payments');
      await system.apps.kill('orders');
    },
    async afterPlacing() {
      await sleep(2_000);
      await Promise.all([system.apps.start('payments'), system.apps.start('orders')]);
    },
  });
}
