import type { z } from 'zod';
import { apiConfigSchema } from '../../api/config';
import {
  APPLICATIONS,
  processName,
  type Application,
  type Service,
} from '../../contracts/services';
import { projectionConfigSchema } from '../../projections/runtime/config';
import { createTopicsConfigSchema } from '../../scripts/create-topics';
import { SYSTEM_PROCESSES } from '../../system/processes';
import {
  inventoryWorkerConfigSchema,
  ordersWorkerConfigSchema,
  paymentsWorkerConfigSchema,
  shippingWorkerConfigSchema,
} from '../../workers/config';

// The configuration schema each deployed program validates at start, for the tests that hold the
// deployment files and the documentation to the code. Keyed by the names of
// contracts/services.ts, so a new service does not compile here until its schema is named.

const WORKER_SCHEMAS: Record<Service, z.ZodObject> = {
  orders: ordersWorkerConfigSchema,
  inventory: inventoryWorkerConfigSchema,
  payments: paymentsWorkerConfigSchema,
  shipping: shippingWorkerConfigSchema,
};

/** Each process of the system (system/processes.ts) and the schema of its environment. */
export const CONFIG_SCHEMAS: Record<Application, z.ZodObject> = {
  ...WORKER_SCHEMAS,
  projector: projectionConfigSchema,
  api: apiConfigSchema,
};

/** The one-shot job beside the processes: creates the topics (scripts/create-topics.ts). */
export const CREATE_TOPICS = {
  entry: 'scripts/create-topics.ts',
  schema: createTopicsConfigSchema,
} as const;

/** A source entry point as the image runs it, compiled. */
export const compiledEntry = (entry: string): string => `dist/${entry.replace(/\.ts$/, '.js')}`;

/** The processes by their process names (`api`, `worker-orders`, …) with their schemas. */
export const schemasByProcessName = (): Record<string, z.ZodObject> =>
  Object.fromEntries(APPLICATIONS.map((a) => [processName(a), CONFIG_SCHEMAS[a]]));

/** The processes and the job by compiled entry point, as a container's command names them. */
export const schemasByCompiledEntry = (): Record<string, z.ZodObject> => ({
  ...Object.fromEntries(
    APPLICATIONS.map((a) => [compiledEntry(SYSTEM_PROCESSES[a].entry), CONFIG_SCHEMAS[a]]),
  ),
  [compiledEntry(CREATE_TOPICS.entry)]: CREATE_TOPICS.schema,
});

/**
 * The API's settings both deployments leave to the code's defaults: its databases' names,
 * limits and timings, the token rules. A deployment that needs another value sets it.
 */
export const API_TUNING_DEFAULTS = [
  'METRICS_ENABLED',
  'READ_DB',
  'INVENTORY_DB',
  'API_DB',
  'JWKS_URL',
  'JWT_CLOCK_TOLERANCE_SECONDS',
  'JWT_MAX_TOKEN_AGE_SECONDS',
  'PAYMENT_WEBHOOK_LEGACY_SIGNATURE',
  'RATE_LIMIT_PER_MINUTE',
  'WEBHOOK_RATE_LIMIT_PER_MINUTE',
  'WEBHOOK_UNVERIFIED_RATE_LIMIT_PER_MINUTE',
  'MAX_OPEN_ORDERS_PER_CUSTOMER',
  'MIN_VERSION_WAIT_MS',
  'IDEMPOTENCY_KEY_RETENTION_MS',
  'MIN_VERSION_MAX_WAITS',
  'MIN_VERSION_MAX_WAITS_PER_SUBJECT',
  'READINESS_CACHE_MS',
  'SHUTDOWN_GRACE_MS',
];
