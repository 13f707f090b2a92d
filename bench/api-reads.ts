import express from 'express';
import type { Server } from 'node:http';
import { type Collection, MongoClient } from 'mongodb';
import { loadApiConfig } from '../api/config';
import { startApi } from '../api/main';
import type { OrderView } from '../contracts/read-models';
import { READ_MODEL_COLLECTIONS } from '../contracts/read-models';
import { evolveOrder } from '../projections/fold/order-view';
import { sagaEvents, sampleSagas } from '../testing/sample-streams';
import { devToken } from '../scripts/token';
import { phaseTimer, type Phases } from './phases';
import { runPool, withTimeout } from './pool';
import type { Progress } from './progress';
import type { BenchResult } from './report';
import { rateResult } from './report';
import type { BenchServers } from './servers';
import { summarize } from './stats';

// Benchmark 4: GET /orders/{id} of the real API (auth, validation, pointer lookup, schema
// parse, problem+json) against a bare Express route doing the same findOne on the same
// collection, both loaded by the same bounded fetch loop with a fixed number in flight.

export interface ApiReadsOptions {
  servers: BenchServers;
  requests: number;
  concurrency: number;
  progress: Progress;
}

async function load(
  url: (i: number) => string,
  headers: Record<string, string>,
  requests: number,
  concurrency: number,
  onProgress: (n: number) => void,
) {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  await runPool(requests, concurrency, async (i) => {
    const t = performance.now();
    const res = await fetch(url(i), { headers });
    await res.arrayBuffer();
    if (res.status !== 200) failed++;
    latencies.push(performance.now() - t);
    if (latencies.length % 200 === 0) onProgress(latencies.length);
  });
  return { seconds: (performance.now() - started) / 1000, latency: summarize(latencies), failed };
}

const JWT_SECRET = 'bench-jwt-secret-0123456789-0123456789-abcdef';

type OrderDocuments = Collection<OrderView & { _id: string }>;

/** Read models as the projector leaves them: the orders fold of sample sagas; their ids. */
async function seedOrders(
  orders: OrderDocuments,
  requests: number,
  stamp: number,
): Promise<string[]> {
  const docs = new Map<string, OrderView>();
  // 500 orders (100 for a short run: inserting them into FerretDB is most of the set-up).
  const count = Math.min(500, Math.max(100, Math.floor(requests / 5)));
  for (const e of sampleSagas({ count, prefix: `api-${stamp}` }).flatMap(sagaEvents))
    docs.set(e.orderId, evolveOrder(docs.get(e.orderId) ?? null, e));
  await orders.insertMany([...docs.values()].map((d) => ({ _id: d.orderId, ...d })));
  return [...docs.keys()];
}

/** The real API on a free port, reading (and writing nothing but) the bench's database. */
function startBenchApi(servers: BenchServers, dbName: string, mongo: MongoClient) {
  return startApi(
    loadApiConfig({
      LOG_LEVEL: 'error',
      LOCAL_MODE: 'true',
      METRICS_ENABLED: 'false',
      TEMPORAL_ADDRESS: servers.temporalAddress,
      KAFKA_BROKERS: servers.kafkaBrokers.join(','),
      MONGO_URL: servers.mongoUrl,
      PORT: '0',
      READ_DB: dbName,
      INVENTORY_DB: dbName,
      API_DB: dbName,
      JWT_SECRET,
      PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
      RATE_LIMIT_PER_MINUTE: '10000000',
    }),
    { mongo },
  );
}

/** The baseline: the same findOne on the same collection behind a bare Express route. */
async function startBareRoute(orders: OrderDocuments): Promise<Server> {
  const bare = express();
  bare.get('/orders/:orderId', async (req, res) => {
    const doc = await orders.findOne({ _id: req.params.orderId });
    if (!doc) res.status(404).end();
    else res.json(doc);
  });
  return new Promise((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
}

const urlOf = (server: Server) => {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
};

async function supportAuthorization(): Promise<Record<string, string>> {
  const token = await devToken({
    sub: 'bench-support',
    scope: 'orders:read orders:support',
    ttlSeconds: 3600,
    secret: JWT_SECRET,
  });
  return { authorization: `Bearer ${token}` };
}

/** Warms both up (JIT, connection pools), then loads the API and the bare route in turn. */
async function measureApiAndBare(
  opts: ApiReadsOptions,
  urls: { api: string; bare: string },
  ids: readonly string[],
  phases: Phases,
): Promise<BenchResult> {
  const auth = await supportAuthorization();
  const limit = Math.max(60_000, opts.requests * 20);
  const loadOf = (base: string, what: string, n: number) =>
    withTimeout(
      load(
        (i) => `${base}/orders/${ids[i % ids.length]}`,
        auth,
        n,
        opts.concurrency,
        (done) => opts.progress.update(done, n, what),
      ),
      limit,
      what,
    );
  const warmUp = Math.min(200, Math.ceil(opts.requests / 5));
  await loadOf(urls.api, 'warm-up', warmUp);
  await loadOf(urls.bare, 'warm-up', warmUp);
  phases.mark('setup');
  const project = await loadOf(urls.api, 'GET /orders/{id} (API)', opts.requests);
  phases.mark('project');
  const baseline = await loadOf(urls.bare, 'GET /orders/{id} (bare)', opts.requests);
  phases.mark('bare');
  if (project.failed + baseline.failed > 0)
    throw new Error(`api reads: ${project.failed} + ${baseline.failed} requests not 200`);
  return rateResult(
    'api reads',
    'requests/s',
    { label: 'GET /orders/{id}', count: opts.requests, ...project },
    { label: 'bare express findOne', count: opts.requests, ...baseline },
    { requests: opts.requests, in_flight: opts.concurrency },
  );
}

export async function runApiReadsBench(opts: ApiReadsOptions): Promise<BenchResult> {
  const phases = phaseTimer();
  const stamp = Date.now();
  const dbName = `bench_api_${stamp}`;
  const mongo = await MongoClient.connect(opts.servers.mongoUrl);
  const db = mongo.db(dbName);
  const orders = db.collection<OrderView & { _id: string }>(READ_MODEL_COLLECTIONS.orders);
  const ids = await seedOrders(orders, opts.requests, stamp);
  const api = await startBenchApi(opts.servers, dbName, mongo);
  const server = await startBareRoute(orders);
  let result: BenchResult;
  try {
    result = await measureApiAndBare(opts, { api: api.url, bare: urlOf(server) }, ids, phases);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await api.close();
    await db.dropDatabase().catch(() => undefined);
    await mongo.close();
  }
  phases.mark('teardown');
  result.details.phase_seconds = phases.summary();
  return result;
}
