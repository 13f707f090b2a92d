import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { SERVICES } from '../../contracts/services';
import { localProcessEnv } from '../setup/local-process-env';
import { freePorts } from '../../stack';
import { ApiClient } from './api-client';
import { type AppName, AppProcesses } from './app-processes';
import { chaosLog } from './log';
import { startPrivateStack, type PrivateStack } from './private-stack';
import { reconcile, formatReport, type ReconcileReport } from './reconcile';
import { takeSnapshot } from './snapshot';
import type { ViewFacts } from './reconcile';

// One chaos system: a private stack and every application process as a child process pointed
// at it, plus what the scenarios need to drive and check it.

export const WORKERS: readonly AppName[] = SERVICES;
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
    expectedStatus?: ReadonlyMap<string, string>,
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
    ...localProcessEnv(),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    MONGO_URL: stack.mongoUrl,
    PORT: String(apiPort),
    JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: String(opts.rateLimitPerMinute ?? 600),
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
    async reconcile(scenario, accepted, skus, expectedStatus) {
      const seeded = new Map(skus.map((s) => [s, system.seeded.get(s) ?? 0]));
      const snapshot = await takeSnapshot(mongo, stack.kafkaBrokers, accepted, seeded);
      const report = reconcile({ ...snapshot, expectedStatus });
      chaosLog(formatReport(scenario, report));
      chaosLog(`saga durations [${scenario}]: ${sagaDurations(snapshot.views, accepted)}`);
      const exits = apps.unexpectedExits.splice(0);
      if (exits.length)
        chaosLog(`processes that exited by themselves and were restarted: ${exits.join(', ')}`);
      const stuck = report.violations.find((v) => v.includes(': still '))?.split(':')[0];
      if (stuck) chaosLog(`first stuck order ${stuck}:\n${await describeOrder(stack, stuck)}`);
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

/** The saga's pending activities, as the Temporal CLI describes them (evidence for a report). */
async function describeOrder(stack: PrivateStack, orderId: string): Promise<string> {
  if (!stack.temporalCliPath) return '(no Temporal CLI)';
  const args = [
    'workflow',
    'describe',
    '--address',
    stack.temporalAddress,
    '-w',
    `order-${orderId}`,
  ];
  try {
    const { stdout } = await promisify(execFile)(stack.temporalCliPath, args, { timeout: 20_000 });
    const pending = stdout.indexOf('Pending Activities');
    return pending >= 0 ? stdout.slice(pending, pending + 2_500) : stdout.slice(-1_500);
  } catch (error) {
    return `describe failed: ${String(error)}`;
  }
}

/** Placed → last event, from the read model: p50 / max, in seconds. */
function sagaDurations(views: readonly ViewFacts[], accepted: readonly string[]): string {
  const ids = new Set(accepted);
  const ms = views
    .filter((v) => ids.has(v.orderId) && v.createdAt && v.updatedAt)
    .map((v) => Date.parse(v.updatedAt ?? '') - Date.parse(v.createdAt ?? ''))
    .sort((a, b) => a - b);
  if (ms.length === 0) return 'none';
  const s = (x: number) => (x / 1000).toFixed(1);
  return `p50 ${s(ms[Math.floor(ms.length / 2)])} s, max ${s(ms[ms.length - 1])} s (${ms.length} orders)`;
}
