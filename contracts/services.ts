import { z } from 'zod';

// The services of the system, listed once. Each has a task queue named as it is, a worker process
// `worker-<service>` (workers/<service>.ts) and owns some events (EVENT_OWNER in ./events). What
// else lists them (the event envelope's sources, system/processes.ts, the secure stack's
// principals, the deployment tests) derives from SERVICES; the YAML under deploy/ and
// docker-compose.yml is checked against it by test/deploy/.

/** The orchestrator first, then the services it calls. */
export const SERVICES = ['orders', 'inventory', 'payments', 'shipping'] as const;
export const Service = z.enum(SERVICES);
export type Service = z.infer<typeof Service>;

/** Task queues: one for the orchestrator, one per service, each named as its service. */
export const TASK_QUEUES = Object.fromEntries(SERVICES.map((s) => [s, s])) as {
  readonly [S in Service]: S;
};

/** The system's processes by short name: a worker per service, the projector, the API. */
export const APPLICATIONS = [...SERVICES, 'projector', 'api'] as const;
export type Application = (typeof APPLICATIONS)[number];

/** How a process is named in logs, deployments and credentials: a worker as `worker-<service>`. */
export type ProcessName<A extends Application = Application> = A extends Service
  ? `worker-${A}`
  : A;

const isService = (name: Application): name is Service =>
  (SERVICES as readonly string[]).includes(name);

export const processName = <A extends Application>(name: A): ProcessName<A> =>
  (isService(name) ? `worker-${name}` : name) as ProcessName<A>;

export const PROCESS_NAMES: readonly ProcessName[] = APPLICATIONS.map(processName);
