import { chaosLog } from '../log';
import { placeOrders, waitUntilFinal } from '../load';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';

/** A fault injected while orders are placed: `during` the placing, and once it is done. */
export interface InFlightFault {
  /** Names the run in the log and the report, e.g. `kill -9 kafka`. */
  name: string;
  sku: string;
  /** Order id prefix. */
  prefix: string;
  during(): Promise<void>;
  afterPlacing?(): Promise<void>;
}

/**
 * Places `scale.inFlightOrders` orders of a SKU of their own (stocked for twice as many) while
 * the fault runs, waits until every accepted order is final and reconciles them.
 */
export async function ordersThroughFault(
  system: ChaosSystem,
  scale: ChaosScale,
  fault: InFlightFault,
): Promise<ReconcileReport & { statuses: Record<number, number> }> {
  await system.seed(fault.sku, scale.inFlightOrders * 2);
  const placing = placeOrders(system.api, {
    n: scale.inFlightOrders,
    sku: fault.sku,
    prefix: fault.prefix,
    concurrency: scale.httpConcurrency,
  });
  await fault.during();
  const placed = await placing;
  chaosLog(`${fault.name}: placed ${JSON.stringify(placed.statuses)}`);
  await fault.afterPlacing?.();
  await waitUntilFinal(system.mongo, placed.accepted, scale.settleMs);
  const report = await system.reconcile(fault.name, placed.accepted, [fault.sku]);
  return { ...report, statuses: placed.statuses };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
