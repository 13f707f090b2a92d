import { MongoClient } from 'mongodb';
import { createPaymentActivities } from '../activities/payments/activities';
import { createMongoPaymentLedger } from '../activities/payments/ledger';
import type { PaymentProvider } from '../activities/payments/provider';
import { createSimulatedPaymentProvider } from '../activities/payments/simulated-provider';
import { paymentsWorkerConfigSchema } from './config';
import type { PaymentsWorkerConfig } from './config';
import { runAsMain, runWorker } from './run-worker';
import type { RunningWorker, WorkerDeps } from './run-worker';

/**
 * The payment ledger on the `payments` task queue, in PAYMENTS_DB, with the simulated provider
 * (activities/payments/simulated-behaviour.ts) unless a real one is passed.
 */
export async function startPaymentsWorker(
  config: PaymentsWorkerConfig,
  deps: WorkerDeps & { provider?: PaymentProvider } = {},
): Promise<RunningWorker> {
  const { provider, ...rest } = deps;
  const mongo = await MongoClient.connect(config.MONGO_URL);
  const db = mongo.db(config.PAYMENTS_DB);
  return runWorker({
    service: 'payments',
    config,
    deps: rest,
    activities: createPaymentActivities({
      ledger: createMongoPaymentLedger(db),
      provider: provider ?? createSimulatedPaymentProvider(db),
    }),
    close: () => mongo.close(),
    database: db,
  }).catch(async (error: unknown) => {
    await mongo.close();
    throw error;
  });
}

if (require.main === module) runAsMain('payments', paymentsWorkerConfigSchema, startPaymentsWorker);
