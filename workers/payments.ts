import { MongoClient, type Db } from 'mongodb';
import { mongoClientOptions } from '../lib/connections';
import { countMongoCommands } from '../lib/mongo-command-metrics';
import { createPaymentActivities } from '../activities/payments/activities';
import { createMongoPaymentLedger } from '../activities/payments/ledger';
import type { PaymentProvider } from '../activities/payments/provider';
import { createSimulatedPaymentProvider } from '../activities/payments/simulated-provider';
import { paymentsWorkerConfigSchema } from './config';
import type { PaymentsWorkerConfig } from './config';
import { runAsMain, runWorker } from './run-worker';
import type { RunningWorker, WorkerDeps } from './run-worker';

/**
 * The payment ledger on the `payments` task queue, in PAYMENTS_DB, with the provider adapter
 * PAYMENT_PROVIDER names (the config refuses the simulated one in production), unless a real
 * one is passed.
 */
export async function startPaymentsWorker(
  config: PaymentsWorkerConfig,
  deps: WorkerDeps & { provider?: PaymentProvider } = {},
): Promise<RunningWorker> {
  const { provider, ...rest } = deps;
  const mongo = new MongoClient(config.MONGO_URL, mongoClientOptions(config));
  if (deps.metrics) countMongoCommands(mongo, deps.metrics);
  await mongo.connect();
  const db = mongo.db(config.PAYMENTS_DB);
  return runWorker({
    service: 'payments',
    config,
    deps: rest,
    activities: createPaymentActivities({
      ledger: createMongoPaymentLedger(db),
      provider: provider ?? providerFor(config, db),
    }),
    close: () => mongo.close(),
    database: db,
  }).catch(async (error: unknown) => {
    await mongo.close();
    throw error;
  });
}

/** The adapter PAYMENT_PROVIDER names; a real provider's adapter is added here. */
function providerFor(config: PaymentsWorkerConfig, db: Db): PaymentProvider {
  switch (config.PAYMENT_PROVIDER) {
    case 'simulated':
      return createSimulatedPaymentProvider(db);
    // The config refuses a missing provider; this covers a config built in code without one.
    case undefined:
      throw new Error('PAYMENT_PROVIDER: no payment provider adapter configured');
  }
}

if (require.main === module) runAsMain('payments', paymentsWorkerConfigSchema, startPaymentsWorker);
