import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';
import { ordersThroughFault, sleep } from './in-flight';

/**
 * kill -9 the projector again and again while events stream in, restarting it each time: it
 * resumes from its committed offsets and re-applies a half-written batch without duplicates.
 */
export function killProjectorRepeatedly(
  system: ChaosSystem,
  scale: ChaosScale,
): Promise<ReconcileReport> {
  return ordersThroughFault(system, scale, {
    name: `kill -9 projector x${scale.projectorKills}`,
    sku: 'CHAOS-PROJECTOR',
    prefix: 'kp',
    async during() {
      for (let i = 0; i < scale.projectorKills; i++) {
        // It batches what arrived meanwhile: a kill soon after its start lands mid-batch.
        await sleep(1_500);
        await system.apps.kill('projector');
        await system.apps.start('projector');
      }
    },
  });
}
