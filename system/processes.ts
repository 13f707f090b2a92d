// The system as separate processes, the shape it has in production: one per task queue's
// worker, the projector and the API. `npm start` (scripts/start.ts) and the chaos tests run
// each entry with `node --import tsx <entry>`; the image runs its compiled twin,
// `node dist/<entry without .ts>.js` (docker-compose.yml, deploy/k8s/).
//
// `readiness` is how each says it is ready (lib/process-readiness.ts): `ipc`, a message to the
// supervisor that started it (`npm start`), or `readyz`, the API's own `GET /readyz`. The
// projector serves its readiness as `/readyz` on its metrics port as well.

export const SYSTEM_PROCESSES = {
  orders: { process: 'worker-orders', entry: 'workers/orders.ts', readiness: 'ipc' },
  inventory: { process: 'worker-inventory', entry: 'workers/inventory.ts', readiness: 'ipc' },
  payments: { process: 'worker-payments', entry: 'workers/payments.ts', readiness: 'ipc' },
  shipping: { process: 'worker-shipping', entry: 'workers/shipping.ts', readiness: 'ipc' },
  projector: { process: 'projector', entry: 'projections/runtime/main.ts', readiness: 'ipc' },
  api: { process: 'api', entry: 'api/main.ts', readiness: 'readyz' },
} as const satisfies Record<
  string,
  { process: string; entry: string; readiness: 'ipc' | 'readyz' }
>;

export type SystemProcessName = keyof typeof SYSTEM_PROCESSES;
