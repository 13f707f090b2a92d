import type { ServerName } from '../../../stack';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';
import { ordersThroughFault, sleep } from './in-flight';

/**
 * kill -9 one server of the stack (Kafka or the MongoDB-wire server) while sagas are in flight,
 * keep it down for `downMs`, then start it again on the same data dir and ports.
 */
export function killServerMidFlight(
  system: ChaosSystem,
  scale: ChaosScale,
  server: Extract<ServerName, 'kafka' | 'mongo'>,
  downMs: number,
): Promise<ReconcileReport & { statuses: Record<number, number> }> {
  return ordersThroughFault(system, scale, {
    name: `kill -9 ${server}`,
    sku: `CHAOS-${server.toUpperCase()}`,
    prefix: `ks-${server}`,
    async during() {
      await sleep(1_000);
      await system.stack.kill(server);
    },
    async afterPlacing() {
      await sleep(downMs);
      await system.stack.restart();
    },
  });
}
