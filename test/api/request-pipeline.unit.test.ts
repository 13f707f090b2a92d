import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import request from 'supertest';
import { createTracing, type Tracing } from '../../lib/tracing';
import { orderView } from './fakes';
import { bearer, harness, settings, stillClock } from './harness';
import { getAs } from './requests';

// The middleware every request goes through, kept lean for the read path: request ids and the
// request's logger, the rate limit's headers and its store outage, and request spans.

function capturing(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level }, sink) };
}

describe('request ids and the request log', () => {
  it('keeps a usable X-Request-Id, replaces an unusable one, and logs the request under it', async () => {
    const { lines, logger } = capturing();
    const { app } = harness({ logger });
    const kept = await request(app).get('/healthz').set('X-Request-Id', 'req-42');
    expect(kept.headers['x-request-id']).toBe('req-42');
    const replaced = await request(app).get('/healthz').set('X-Request-Id', 'no spaces allowed');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const res = await request(app).get('/orders').set('X-Request-Id', 'req-43');
    expect(res.status).toBe(401);
    const line = lines.find((l) => l.msg === 'request completed');
    expect(line).toMatchObject({ req: { id: 'req-43', method: 'GET', url: '/orders' } });
  });

  it("lines written through req.log carry the request; a 5xx is logged as 'request errored'", async () => {
    const { lines, logger } = capturing();
    const h = harness({ logger });
    h.readModel.failWith = new Error('boom');
    const res = await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    expect(res.status).toBe(500);
    const id = res.headers['x-request-id'];
    expect(lines.find((l) => l.msg === 'unhandled error')).toMatchObject({
      level: 50,
      req: { id, method: 'GET', url: '/orders/ord_1' },
    });
    expect(lines.find((l) => l.msg === 'request errored')).toMatchObject({
      level: 50,
      req: { id },
      res: { statusCode: 500 },
    });
  });

  it('probes are logged at debug only', async () => {
    const atInfo = capturing('info');
    await request(harness({ logger: atInfo.logger }).app).get('/healthz');
    expect(atInfo.lines).toEqual([]);
    const atDebug = capturing('debug');
    await request(harness({ logger: atDebug.logger }).app).get('/healthz');
    expect(atDebug.lines).toEqual([
      expect.objectContaining({ level: 20, msg: 'request completed', res: { statusCode: 200 } }),
    ]);
  });
});

describe('rate limit', () => {
  it('answers the RateLimit-* headers of its window on every counted response', async () => {
    const h = harness({ clock: stillClock(), settings: settings({ rateLimitPerMinute: 5 }) });
    h.readModel.views.set('ord_1', orderView({ orderId: 'ord_1' }));
    await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    const res = await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'ratelimit-policy': '5;w=60',
      'ratelimit-limit': '5',
      'ratelimit-remaining': '3',
      // stillClock stands 50 s into its minute.
      'ratelimit-reset': '10',
    });
    expect((await request(h.app).get('/healthz')).headers['ratelimit-limit']).toBeUndefined();
  });

  it('lets requests through when its counters cannot be reached, and logs it', async () => {
    const { lines, logger } = capturing();
    const down = new Error('counters down');
    const h = harness({
      logger,
      settings: settings({ rateLimitPerMinute: 1 }),
      rateLimits: {
        hit: () => Promise.reject(down),
        unhit: () => Promise.resolve(),
        reset: () => Promise.resolve(),
      },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(h.app).get('/orders')).status);
    expect(statuses).toEqual([401, 401, 401]);
    expect(
      lines.filter((l) => l.level === 50 && /counters unreachable/.test(String(l.msg))),
    ).toHaveLength(3);
  });
});

describe('request spans', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(() => {
    tracing = createTracing({ serviceName: 'api-test', exporter, register: false }) as Tracing;
  });
  afterAll(() => tracing.shutdown());

  it("a recording tracer gets a span per request, named by route, continuing the caller's trace", async () => {
    const h = harness({ tracer: tracing.tracer });
    h.readModel.views.set('ord_1', orderView({ orderId: 'ord_1' }));
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await request(h.app)
      .get('/orders/ord_1')
      .set('traceparent', `00-${traceId}-b7ad6b7169203331-01`)
      .set('Authorization', await bearer('alice', 'orders:read'));
    await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read'); // no traceparent: a new trace
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['GET /orders/:orderId', 'GET /orders/:orderId']);
    expect(spans[0]?.spanContext().traceId).toBe(traceId);
    expect(spans[1]?.spanContext().traceId).not.toBe(traceId);
    expect(spans[1]?.attributes['http.response.status_code']).toBe(200);
  });
});
