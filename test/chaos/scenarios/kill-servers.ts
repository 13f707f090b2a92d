import type { ServerName } from '../../../stack';
import { chaosLog } from '../log';
import { placeOrders, waitUntilFinal } from '../load';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';

/**
 * kill -9 one server of the stack (Kafka or the MongoDB-wire server) while sagas are in flight,
 * keep it down for `downMs`, then start it again on the same data dir and ports.
 */
export async function killServerMidFlight(
  system: ChaosSystem,
  scale: ChaosScale,
  server: Extract<ServerName, 'kafka' | 'mongo'>,
  downMs: number,
): Promise<ReconcileReport & { statuses: Record<number, number> }> {
  const sku = `CHAOS-${server.toUpperCase()}`;
  await system.seed(sku, scale.inFlightOrders * 2);
  const placing = placeOrders(system.api, {
    n: scale.inFlightOrders,
    sku,
    prefix: `ks-${server}`,
    concurrency: scale.httpConcurrency,
  });
  await new Promise((r) => setTimeout(r, 1_000));
  await system.stack.kill(server);
  const placed = await placing;
  chaosLog(`kill ${server}: placed ${JSON.stringify(placed.statuses)}`);
  await new Promise((r) => setTimeout(r, downMs));
  await system.stack.restart();
  await waitUntilFinal(system.mongo, placed.accepted, scale.settleMs);
  const report = await system.reconcile(`kill -9 ${server}`, placed.accepted, [sku]);
  return { ...report, statuses: placed.statuses };
}
