import { MongoClient } from 'mongodb';
import { mongoClientOptions } from '../lib/connections';
import { countMongoCommands } from '../lib/mongo-command-metrics';
import { createInventoryActivities } from '../activities/inventory/activities';
import { createMongoCatalogStore } from '../activities/inventory/catalog';
import { createMongoReservationStore } from '../activities/inventory/reservations';
import { inventoryWorkerConfigSchema } from './config';
import type { InventoryWorkerConfig } from './config';
import { runAsMain, runWorker } from './run-worker';
import type { RunningWorker, WorkerDeps } from './run-worker';

/** Catalog, pricing and stock reservations on the `inventory` task queue, in INVENTORY_DB. */
export async function startInventoryWorker(
  config: InventoryWorkerConfig,
  deps: WorkerDeps = {},
): Promise<RunningWorker> {
  const mongo = new MongoClient(config.MONGO_URL, mongoClientOptions(config));
  if (deps.metrics) countMongoCommands(mongo, deps.metrics);
  await mongo.connect();
  const db = mongo.db(config.INVENTORY_DB);
  return runWorker({
    service: 'inventory',
    config,
    deps,
    activities: createInventoryActivities({
      catalog: createMongoCatalogStore(db),
      reservations: createMongoReservationStore(db),
    }),
    close: () => mongo.close(),
    database: db,
  }).catch(async (error: unknown) => {
    await mongo.close();
    throw error;
  });
}

if (require.main === module)
  runAsMain('inventory', inventoryWorkerConfigSchema, startInventoryWorker);
