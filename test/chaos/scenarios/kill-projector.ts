import { chaosLog } from '../log';
import { placeOrders, waitUntilFinal } from '../load';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';

/**
 * kill -9 the projector again and again while events stream in, restarting it each time: it
 * resumes from its committed offsets and re-applies a half-written batch without duplicates.
 */
export async function killProjectorRepeatedly(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<ReconcileReport> {
  const sku = 'CHAOS-PROJECTOR';
  await system.seed(sku, scale.inFlightOrders * 2);
  const placing = placeOrders(system.api, {
    n: scale.inFlightOrders,
    sku,
    prefix: 'kp',
    concurrency: scale.httpConcurrency,
  });
  for (let i = 0; i < scale.projectorKills; i++) {
    // The projector batches what arrived meanwhile; a kill soon after its start lands mid-batch.
    await new Promise((r) => setTimeout(r, 1_500));
    await system.apps.kill('projector');
    await system.apps.start('projector');
  }
  const placed = await placing;
  chaosLog(`kill projector: placed ${JSON.stringify(placed.statuses)}`);
  await waitUntilFinal(system.mongo, placed.accepted, scale.settleMs);
  return system.reconcile(`kill -9 projector x${scale.projectorKills}`, placed.accepted, [sku]);
}
