import express from 'express';
import type { Server } from 'node:http';
import { MongoClient } from 'mongodb';
import { loadApiConfig } from '../api/config';
import { startApi } from '../api/main';
import type { OrderView } from '../contracts/read-models';
import { READ_MODEL_COLLECTIONS } from '../contracts/read-models';
import { evolveOrder } from '../projections/fold/order-view';
import { sagaEvents, sampleSagas } from '../testing/sample-streams';
import { devToken } from '../scripts/token';
import { phaseTimer } from './phases';
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

export async function runApiReadsBench(opts: ApiReadsOptions): Promise<BenchResult> {
  const phases = phaseTimer();
  const stamp = Date.now();
  const dbName = `bench_api_${stamp}`;
  const mongo = await MongoClient.connect(opts.servers.mongoUrl);
  const db = mongo.db(dbName);
  // Read models as the projector leaves them: the orders fold of sample sagas.
  const docs = new Map<string, OrderView>();
  // 500 orders (100 for a short run: inserting them into FerretDB is most of the set-up).
  const count = Math.min(500, Math.max(100, Math.floor(opts.requests / 5)));
  for (const e of sampleSagas({ count, prefix: `api-${stamp}` }).flatMap(sagaEvents))
    docs.set(e.orderId, evolveOrder(docs.get(e.orderId) ?? null, e));
  const orders = db.collection<OrderView & { _id: string }>(READ_MODEL_COLLECTIONS.orders);
  await orders.insertMany([...docs.values()].map((d) => ({ _id: d.orderId, ...d })));
  const ids = [...docs.keys()];
  const jwtSecret = 'bench-jwt-secret-0123456789-0123456789-abcdef';
  const api = await startApi(
    loadApiConfig({
      LOG_LEVEL: 'error',
      LOCAL_MODE: 'true',
      METRICS_ENABLED: 'false',
      TEMPORAL_ADDRESS: opts.servers.temporalAddress,
      KAFKA_BROKERS: opts.servers.kafkaBrokers.join(','),
      MONGO_URL: opts.servers.mongoUrl,
      PORT: '0',
      READ_DB: dbName,
      INVENTORY_DB: dbName,
      API_DB: dbName,
      JWT_SECRET: jwtSecret,
      PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
      RATE_LIMIT_PER_MINUTE: '10000000',
    }),
    { mongo },
  );
  const bare = express();
  bare.get('/orders/:orderId', async (req, res) => {
    const doc = await orders.findOne({ _id: req.params.orderId });
    if (!doc) res.status(404).end();
    else res.json(doc);
  });
  const server: Server = await new Promise((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const bareUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let result: BenchResult;
  try {
    const token = await devToken({
      sub: 'bench-support',
      scope: 'orders:read orders:support',
      ttlSeconds: 3600,
      secret: jwtSecret,
    });
    const auth = { authorization: `Bearer ${token}` };
    const limit = Math.max(60_000, opts.requests * 20);
    const run = (base: string, what: string, n: number) =>
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
    // Warm-up of both (JIT, connection pools), not measured.
    const warmUp = Math.min(200, Math.ceil(opts.requests / 5));
    await run(api.url, 'warm-up', warmUp);
    await run(bareUrl, 'warm-up', warmUp);
    phases.mark('setup');
    const project = await run(api.url, 'GET /orders/{id} (API)', opts.requests);
    phases.mark('project');
    const baseline = await run(bareUrl, 'GET /orders/{id} (bare)', opts.requests);
    phases.mark('bare');
    if (project.failed + baseline.failed > 0)
      throw new Error(`api reads: ${project.failed} + ${baseline.failed} requests not 200`);
    result = rateResult(
      'api reads',
      'requests/s',
      { label: 'GET /orders/{id}', count: opts.requests, ...project },
      { label: 'bare express findOne', count: opts.requests, ...baseline },
      { requests: opts.requests, in_flight: opts.concurrency },
    );
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
