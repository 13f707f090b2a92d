import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePorts } from '../../stack';
import { ApiClient } from './api-client';
import { type AppName, AppProcesses } from './app-processes';
import { chaosLog } from './log';
import { startPrivateStack, type PrivateStack } from './private-stack';
import { reconcile, formatReport, type ReconcileReport } from './reconcile';
import { takeSnapshot } from './snapshot';

// One chaos system: a private stack and every application process as a child process pointed
// at it, plus what the scenarios need to drive and check it.

export const WORKERS: AppName[] = ['orders', 'inventory', 'payments', 'shipping'];
const JWT_SECRET = 'chaos-jwt-secret-0123456789-0123456789-abcdef';

export interface ChaosSystem {
  stack: PrivateStack;
  apps: AppProcesses;
  api: ApiClient;
  mongo: MongoClient;
  /** Units each SKU was seeded with (for the stock check). */
  seeded: Map<string, number>;
  seed(sku: string, units: number): Promise<void>;
  /** Snapshot + reconciliation, printed; returns the report. */
  reconcile(
    scenario: string,
    accepted: readonly string[],
    skus: string[],
  ): Promise<ReconcileReport>;
  stop(): Promise<void>;
}

export async function startChaosSystem(
  opts: { rateLimitPerMinute?: number } = {},
): Promise<ChaosSystem> {
  const started = Date.now();
  const stack = await startPrivateStack();
  chaosLog(`private stack up in ${Date.now() - started} ms (${stack.dir})`);
  const [apiPort] = await freePorts(1);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    MONGO_URL: stack.mongoUrl,
    PORT: String(apiPort),
    JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: String(opts.rateLimitPerMinute ?? 600),
    PROJECTOR_METRICS_PORT: '0',
    PROJECTOR_POINTER_POLL_MS: '60000',
  };
  const apps = new AppProcesses(path.join(stack.dir, 'logs'), env);
  const mongo = new MongoClient(stack.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  const system: ChaosSystem = {
    stack,
    apps,
    api: new ApiClient(`http://127.0.0.1:${apiPort}`, JWT_SECRET),
    mongo,
    seeded: new Map(),
    async seed(sku, units) {
      await system.api.putSku(sku, units);
      system.seeded.set(sku, units);
    },
    async reconcile(scenario, accepted, skus) {
      const seeded = new Map(skus.map((s) => [s, system.seeded.get(s) ?? 0]));
      const snapshot = await takeSnapshot(mongo, stack.kafkaBrokers, accepted, seeded);
      const report = reconcile(snapshot);
      chaosLog(formatReport(scenario, report));
      return report;
    },
    async stop() {
      await apps.stopAll();
      await mongo.close().catch(() => undefined);
      await stack.stop();
    },
  };
  try {
    await Promise.all(WORKERS.map((w) => apps.start(w)));
    await Promise.all([apps.start('projector'), apps.start('api')]);
    chaosLog(`system up in ${Date.now() - started} ms`);
    return system;
  } catch (error) {
    await system.stop();
    throw error;
  }
}
