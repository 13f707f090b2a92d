// The system as separate processes, the shape it has in production: one per task queue's
// worker, the projector and the API. `npm start` (scripts/start.ts) and the chaos tests run
// each entry with `node --import tsx <entry>`; the image runs its compiled twin,
// `node dist/<entry without .ts>.js` (docker-compose.yml, deploy/k8s/).
//
// `readiness` is how each says it is ready (lib/process-readiness.ts): `ipc`, a message to the
// supervisor that started it (`npm start`), or `readyz`, the API's own `GET /readyz`. The
// projector serves its readiness as `/readyz` on its metrics port as well.

import {
  processName,
  SERVICES,
  type Application,
  type ProcessName,
  type Service,
} from '../contracts/services';

interface SystemProcess {
  process: ProcessName;
  entry: string;
  readiness: 'ipc' | 'readyz';
}

/** A service's worker: `workers/<service>.ts`, named `worker-<service>`. */
const workerProcess = <S extends Service>(service: S) =>
  ({ process: processName(service), entry: `workers/${service}.ts`, readiness: 'ipc' }) as const;
type WorkerProcesses = { readonly [S in Service]: ReturnType<typeof workerProcess<S>> };

export const SYSTEM_PROCESSES = {
  ...(Object.fromEntries(SERVICES.map((s) => [s, workerProcess(s)])) as WorkerProcesses),
  projector: { process: 'projector', entry: 'projections/runtime/main.ts', readiness: 'ipc' },
  api: { process: 'api', entry: 'api/main.ts', readiness: 'readyz' },
} as const satisfies Record<Application, SystemProcess>;

export type SystemProcessName = Application;
