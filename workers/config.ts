import { z } from 'zod';
import { CountryCode } from '../contracts/order';
import { checkActiveCodecKey, codecConfigShape } from '../lib/codec';
import { env, serverConfigSchema } from '../lib/config';
import { DEFAULT_SHIPPING_COUNTRIES } from '../activities/shipping/destinations';

// Environment of the worker processes, validated at start (every problem reported at once).

export const workerConfigSchema = serverConfigSchema
  .extend({
    /** host:port for the worker's Prometheus metrics (Temporal SDK metrics); off when unset. */
    WORKER_METRICS_ADDRESS: z
      .string()
      .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464')
      .optional(),
    /** Same keys as the API's: both ends of a workflow payload must agree. */
    ...codecConfigShape,
    /** OTLP/HTTP collector base URL; tracing is off when unset. */
    OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint,
  })
  // Kept by the .extend() calls below: zod 4 carries an object's refinements over.
  .superRefine(checkActiveCodecKey);
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export const ordersWorkerConfigSchema = workerConfigSchema;
export type OrdersWorkerConfig = z.infer<typeof ordersWorkerConfigSchema>;

export const inventoryWorkerConfigSchema = workerConfigSchema.extend({
  INVENTORY_DB: z.string().min(1).default('inventory'),
});
export type InventoryWorkerConfig = z.infer<typeof inventoryWorkerConfigSchema>;

export const paymentsWorkerConfigSchema = workerConfigSchema.extend({
  PAYMENTS_DB: z.string().min(1).default('payments'),
});
export type PaymentsWorkerConfig = z.infer<typeof paymentsWorkerConfigSchema>;

export const shippingWorkerConfigSchema = workerConfigSchema.extend({
  SHIPPING_DB: z.string().min(1).default('shipping'),
  /** Comma-separated ISO country codes we ship to. */
  SHIPPING_COUNTRIES: z
    .string()
    .default(DEFAULT_SHIPPING_COUNTRIES.join(','))
    .pipe(env.csv)
    .pipe(z.array(CountryCode).min(1)),
});
export type ShippingWorkerConfig = z.infer<typeof shippingWorkerConfigSchema>;
