import { MongoClient } from 'mongodb';
import { mongoClientOptions } from '../lib/connections';
import { countMongoCommands } from '../lib/mongo-command-metrics';
import { createShippingActivities } from '../activities/shipping/activities';
import { createMongoShipmentStore } from '../activities/shipping/store';
import { shippingWorkerConfigSchema } from './config';
import type { ShippingWorkerConfig } from './config';
import { runAsMain, runWorker } from './run-worker';
import type { RunningWorker, WorkerDeps } from './run-worker';

/** Shipments on the `shipping` task queue, in SHIPPING_DB, to SHIPPING_COUNTRIES. */
export async function startShippingWorker(
  config: ShippingWorkerConfig,
  deps: WorkerDeps = {},
): Promise<RunningWorker> {
  const mongo = new MongoClient(config.MONGO_URL, mongoClientOptions(config));
  if (deps.metrics) countMongoCommands(mongo, deps.metrics);
  await mongo.connect();
  const db = mongo.db(config.SHIPPING_DB);
  return runWorker({
    service: 'shipping',
    config,
    deps,
    activities: createShippingActivities({
      store: createMongoShipmentStore(db),
      countries: config.SHIPPING_COUNTRIES,
    }),
    close: () => mongo.close(),
    database: db,
  }).catch(async (error: unknown) => {
    await mongo.close();
    throw error;
  });
}

if (require.main === module) runAsMain('shipping', shippingWorkerConfigSchema, startShippingWorker);
