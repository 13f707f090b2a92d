// The system as separate processes, the shape it has in production: one per task queue's
// worker, the projector and the API. `npm start` (scripts/start.ts) and the chaos tests run
// each entry with `node --import tsx <entry>`; the image runs its compiled twin,
// `node dist/<entry without .ts>.js` (docker-compose.yml, deploy/k8s/).

export const SYSTEM_PROCESSES = {
  orders: { process: 'worker-orders', entry: 'workers/orders.ts' },
  inventory: { process: 'worker-inventory', entry: 'workers/inventory.ts' },
  payments: { process: 'worker-payments', entry: 'workers/payments.ts' },
  shipping: { process: 'worker-shipping', entry: 'workers/shipping.ts' },
  projector: { process: 'projector', entry: 'projections/runtime/main.ts' },
  api: { process: 'api', entry: 'api/main.ts' },
} as const satisfies Record<string, { process: string; entry: string }>;

export type SystemProcessName = keyof typeof SYSTEM_PROCESSES;
