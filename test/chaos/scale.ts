// How big a chaos run is: `CHAOS_SCALE=full` (npm run test:chaos) is the size; anything
// else (the default under `npm test`) is the reduced size that keeps a 2-core machine fast.

export interface ChaosScale {
  name: 'small' | 'full';
  /** Orders in flight while a worker, a server or the projector is killed. */
  inFlightOrders: number;
  /** Concurrent submissions sharing one Idempotency-Key. */
  duplicateSubmissions: number;
  /** Concurrent orders racing for the last units of one SKU, and how many units there are. */
  racingOrders: number;
  lastUnits: number;
  /** Malformed and oversized requests sent while valid orders run. */
  badRequests: number;
  /** Valid orders placed while the API is abused. */
  ordersDuringAbuse: number;
  /** How many times the projector is killed mid-batch. */
  projectorKills: number;
  /**
   * Every application process killed at once mid-burst: orders (one client each, sent evenly
   * over `crashBurstMs`, the kill within it), over `crashSkus` SKUs of `crashStock` units each.
   */
  crashOrders: number;
  crashSkus: number;
  crashStock: number;
  crashBurstMs: number;
  /** Concurrent HTTP requests the load generator keeps open. */
  httpConcurrency: number;
  /** Deadline for every accepted order to reach a final status after the fault. */
  settleMs: number;
}

const SMALL: ChaosScale = {
  name: 'small',
  inFlightOrders: 20,
  duplicateSubmissions: 50,
  racingOrders: 20,
  lastUnits: 5,
  badRequests: 300,
  ordersDuringAbuse: 10,
  // Each kill waits out the dead member's 30 s session before the group moves on: one kill in
  // `npm test` proves the recovery, the full size repeats it.
  projectorKills: 1,
  crashOrders: 24,
  crashSkus: 4,
  crashStock: 100,
  crashBurstMs: 8_000,
  httpConcurrency: 10,
  settleMs: 120_000,
};

const FULL: ChaosScale = {
  ...SMALL,
  name: 'full',
  inFlightOrders: 200,
  badRequests: 3_000,
  ordersDuringAbuse: 40,
  projectorKills: 4,
  crashOrders: 120,
  crashSkus: 5,
  crashStock: 1_000,
  // Sagas advance slower with 120 in flight: a longer burst so the kill still finds compensations.
  crashBurstMs: 20_000,
  httpConcurrency: 20,
  settleMs: 420_000,
};

export function chaosScale(env: NodeJS.ProcessEnv = process.env): ChaosScale {
  return env.CHAOS_SCALE === 'full' ? FULL : SMALL;
}
