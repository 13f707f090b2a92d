import { z } from 'zod';
import { CountryCode } from '../contracts/order';
import { checkActiveCodecKey, codecConfigShape } from '../lib/codec';
import { env, mongoServerShape, temporalProcessConfigSchema } from '../lib/config';
import { checkMongoConnection } from '../lib/connections';
import { checkCodecKeysNotDevelopment, deploymentMode } from '../lib/deployment';
import { DEFAULT_SHIPPING_COUNTRIES } from '../activities/shipping/destinations';

/** Payment provider adapters this codebase ships (activities/payments/provider.ts is the port). */
export const PAYMENT_PROVIDERS = ['simulated'] as const;

// Environment of the worker processes, validated at start (every problem reported at once).

export const workerConfigSchema = temporalProcessConfigSchema
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
  .superRefine((c, ctx) => {
    checkActiveCodecKey(c, ctx);
    checkCodecKeysNotDevelopment(c, ctx);
  });
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** The orders worker runs workflows and publishes their events: no database of its own. */
export const ordersWorkerConfigSchema = workerConfigSchema;
export type OrdersWorkerConfig = z.infer<typeof ordersWorkerConfigSchema>;

/** A service worker with its own database. */
const databaseWorkerConfigSchema = workerConfigSchema
  .extend(mongoServerShape)
  .superRefine(checkMongoConnection);

export const inventoryWorkerConfigSchema = databaseWorkerConfigSchema.extend({
  INVENTORY_DB: z.string().min(1).default('inventory'),
});
export type InventoryWorkerConfig = z.infer<typeof inventoryWorkerConfigSchema>;

export const paymentsWorkerConfigSchema = databaseWorkerConfigSchema
  .extend({
    PAYMENTS_DB: z.string().min(1).default('payments'),
    /**
     * The payment provider adapter (activities/payments/provider.ts). Only `simulated` ships; it
     * must be chosen explicitly, and production refuses it: a deployment that forgot its real
     * adapter would otherwise complete and ship every order without taking payment.
     */
    PAYMENT_PROVIDER: z.enum(PAYMENT_PROVIDERS).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.PAYMENT_PROVIDER === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_PROVIDER'],
        message: `choose the payment provider adapter (${PAYMENT_PROVIDERS.join(', ')}); a real provider needs its adapter (README "Payment providers")`,
      });
    } else if (c.PAYMENT_PROVIDER === 'simulated' && deploymentMode(c) === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_PROVIDER'],
        message:
          'the simulated provider takes no payment and is refused in production: configure a real adapter',
      });
    }
  });
export type PaymentsWorkerConfig = z.infer<typeof paymentsWorkerConfigSchema>;

export const shippingWorkerConfigSchema = databaseWorkerConfigSchema.extend({
  SHIPPING_DB: z.string().min(1).default('shipping'),
  /** Comma-separated ISO country codes we ship to. */
  SHIPPING_COUNTRIES: z
    .string()
    .default(DEFAULT_SHIPPING_COUNTRIES.join(','))
    .pipe(env.csv)
    .pipe(z.array(CountryCode).min(1)),
});
export type ShippingWorkerConfig = z.infer<typeof shippingWorkerConfigSchema>;
