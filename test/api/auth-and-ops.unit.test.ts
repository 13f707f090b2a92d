import { SignJWT } from 'jose';
import request from 'supertest';
import { createHmac } from 'node:crypto';
import { orderView } from './fakes';
import {
  bearer,
  closedPort,
  harness,
  settings,
  stillClock,
  token,
  unsignedRs256,
  WEBHOOK_SECRET,
} from './harness';
import { getAs, orderAwaitingConfirmation } from './requests';

const PROBLEM = /application\/problem\+json/;

describe('authentication and scopes', () => {
  it('401 with WWW-Authenticate: Bearer when the token is missing', async () => {
    const res = await request(harness().app).get('/orders');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="order-saga"/);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it.each([
    ['garbage', 'Bearer not-a-jwt'],
    ['wrong scheme', 'Basic YWxpY2U6cHc='],
  ])('401 invalid_token for %s', async (_name, header) => {
    const res = await request(harness().app).get('/orders').set('Authorization', header);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });

  it('401 for a token signed with another secret, an expired one, alg none, or no subject', async () => {
    const { app } = harness();
    const wrong = await token('alice', 'orders:read', 600, 'another-secret-another-secret-another');
    const expired = await new SignJWT({ scope: 'orders:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode('test-secret-test-secret-test-secret-0123'));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice","scope":"orders:read"}').toString('base64url')}.`;
    const noSub = await new SignJWT({ scope: 'orders:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('test-secret-test-secret-test-secret-0123'));
    for (const t of [wrong, expired, none, noSub]) {
      const res = await request(app).get('/orders').set('Authorization', `Bearer ${t}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    }
  });

  it('403 insufficient_scope when the scope is missing', async () => {
    const res = await getAs(harness().app, '/orders', 'alice', 'orders:write');
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(
      /error="insufficient_scope", scope="orders:read"/,
    );
  });

  it('503 with Retry-After when the JWKS cannot be fetched; public routes still answer', async () => {
    const { app } = harness({
      settings: settings({
        auth: { kind: 'jwks', url: `http://127.0.0.1:${await closedPort()}/jwks` },
      }),
    });
    const auth = `Bearer ${unsignedRs256('alice')}`;
    const res = await request(app).get('/orders').set('Authorization', auth);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect((await request(app).get('/healthz').set('Authorization', auth)).status).toBe(200);
  });

  it('public routes need no token', async () => {
    const { app } = harness();
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/asyncapi.json']) {
      expect((await request(app).get(path)).status).not.toBe(401);
    }
    expect((await request(app).get('/docs/')).status).toBe(200);
  });
});

describe('payment webhook', () => {
  const sign = (raw: string) => createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex');

  async function awaitingConfirmation() {
    const h = harness();
    return { h, orderId: await orderAwaitingConfirmation(h) };
  }

  it('202 with a valid signature of the raw body', async () => {
    const { h, orderId } = await awaitingConfirmation();
    const raw = `{ "orderId": "${orderId}",   "outcome": "confirmed" }`; // odd spacing: raw bytes are signed
    const res = await request(h.app)
      .post('/payments/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Signature', sign(raw))
      .send(raw);
    expect(res.status).toBe(202);
    expect(h.commands.calls).toContainEqual({
      method: 'confirmPayment',
      orderId,
      outcome: 'confirmed',
    });
  });

  it('401 for a missing, malformed or wrong signature; nothing is delivered', async () => {
    const { h, orderId } = await awaitingConfirmation();
    const raw = JSON.stringify({ orderId, outcome: 'confirmed' });
    for (const sig of [undefined, 'zz', sign(raw + ' '), sign(raw).slice(0, 62)]) {
      const req = request(h.app).post('/payments/webhook').set('Content-Type', 'application/json');
      if (sig !== undefined) void req.set('X-Signature', sig);
      const res = await req.send(raw);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    }
    expect(h.commands.calls.filter((c) => c.method === 'confirmPayment')).toEqual([]);
  });

  it('400 malformed JSON or body, 404 unknown order, 409 when not awaiting confirmation, 415 non-JSON', async () => {
    const { h, orderId } = await awaitingConfirmation();
    const post = (raw: string, type = 'application/json') =>
      request(h.app)
        .post('/payments/webhook')
        .set('Content-Type', type)
        .set('X-Signature', sign(raw))
        .send(raw);
    expect((await post('{oops')).status).toBe(400);
    expect((await post('{"orderId":"x","outcome":"maybe"}')).status).toBe(400);
    expect((await post('{"orderId":"ord_nope","outcome":"failed"}')).status).toBe(404);
    expect((await post('orderId=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    h.commands.orders.get(orderId)!.status = 'PAYMENT_AUTHORIZED';
    const late = await post(JSON.stringify({ orderId, outcome: 'confirmed' }));
    expect(late.status).toBe(409);
    expect((late.body as { type: string }).type).toMatch(/not-awaiting-payment-confirmation$/);
  });
});

describe('inventory (support)', () => {
  it('PUT creates (201) then replaces (200); GET returns it; 404 unknown; 403 without support; 400 invalid', async () => {
    const { app } = harness();
    const support = await bearer('agent', 'orders:support');
    const entry = { name: 'Widget', unitPrice: 1999, available: 10 };
    const created = await request(app)
      .put('/inventory/SKU-1')
      .set('Authorization', support)
      .send(entry);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/inventory/SKU-1');
    const replaced = await request(app)
      .put('/inventory/SKU-1')
      .set('Authorization', support)
      .send({ ...entry, available: 3 });
    expect(replaced.status).toBe(200);
    const got = await request(app).get('/inventory/SKU-1').set('Authorization', support);
    expect(got.body).toMatchObject({ sku: 'SKU-1', name: 'Widget', unitPrice: 1999, available: 3 });
    expect((await request(app).get('/inventory/NOPE').set('Authorization', support)).status).toBe(
      404,
    );
    const customer = await bearer('alice', 'orders:read orders:write');
    expect((await request(app).get('/inventory/SKU-1').set('Authorization', customer)).status).toBe(
      403,
    );
    expect(
      (
        await request(app)
          .put('/inventory/SKU-1')
          .set('Authorization', support)
          .send({ ...entry, unitPrice: -1 })
      ).status,
    ).toBe(400);
    expect(
      (await request(app).put('/inventory/bad%20sku').set('Authorization', support).send(entry))
        .status,
    ).toBe(400);
  });
});

describe('operations', () => {
  it('healthz is 200; readyz is 200 when all probes pass and 503 naming what is down', async () => {
    const h = harness();
    expect((await request(h.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(h.app).get('/readyz')).status).toBe(200);
    h.readiness.down.add('kafka');
    h.readiness.down.add('mongodb');
    const res = await request(h.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ unavailable: ['kafka', 'mongodb'] });
    expect((res.body as { detail: string }).detail).toMatch(/kafka, mongodb/);
  });

  it('metrics count requests by route pattern, not raw URL', async () => {
    const h = harness();
    h.readModel.views.set('ord_1', orderView({ orderId: 'ord_1' }));
    await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    await request(h.app).get('/no/such/route');
    // Served on METRICS_PORT by api/main.ts, not by the public app (test/api/metrics-port).
    const res = { text: await h.metrics.metrics() };
    expect(res.text).toMatch(
      /http_requests_total\{method="GET",route="\/orders\/:orderId",status_code="200"\} 1/,
    );
    expect(res.text).toMatch(/route="unmatched",status_code="404"/);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket/);
    expect(res.text).not.toMatch(/ord_1/);
  });

  it('serves the generated OpenAPI document with every route, and the docs UI', async () => {
    const { app } = harness();
    const res = await request(app).get('/openapi.json');
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/customers/{customerId}/stats',
        '/healthz',
        '/inventory/{sku}',
        '/orders',
        '/orders/{orderId}',
        '/orders/{orderId}/approve',
        '/orders/{orderId}/cancel',
        '/orders/{orderId}/history',
        '/orders/{orderId}/reject',
        '/orders/{orderId}/retry-compensation',
        '/payments/webhook',
        '/readyz',
        '/sales/skus',
        '/sales/skus/{sku}',
      ].sort(),
    );
    expect(doc.components.schemas).toHaveProperty('PlaceOrder');
    expect(doc.components.schemas).toHaveProperty('Problem');
    const docs = await request(app).get('/docs/');
    expect(docs.text).toMatch(/swagger-ui/);
    const asset = await request(app).get('/docs/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
  });

  it('asyncapi.json: 404 problem until configured, then served', async () => {
    expect((await request(harness().app).get('/asyncapi.json')).status).toBe(404);
    const res = await request(harness({ asyncApiDocument: () => ({ asyncapi: '3.0.0' }) }).app).get(
      '/asyncapi.json',
    );
    expect(res.body).toEqual({ asyncapi: '3.0.0' });
  });

  it('unknown routes are 404 problems; request ids are echoed or generated; security headers are set', async () => {
    const { app } = harness();
    const res = await request(app).get('/nope').set('X-Request-Id', 'abc-123');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers['x-content-type-options']).toBe('nosniff');
    expect(generated.headers['content-security-policy']).toBeDefined();
    expect(generated.headers['x-powered-by']).toBeUndefined();
  });

  it('rate limits per client with 429 and Retry-After', async () => {
    const { app } = harness({ clock: stillClock(), settings: settings({ rateLimitPerMinute: 3 }) });
    const alice = await bearer('alice', 'orders:read');
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await request(app).get('/orders').set('Authorization', alice)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await request(app).get('/orders').set('Authorization', alice);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(PROBLEM);
    // Another client has its own bucket; health checks are never limited.
    expect((await getAs(app, '/orders', 'bob', 'orders:read')).status).toBe(200);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it('never leaks a stack trace when a port throws something unexpected', async () => {
    const h = harness();
    h.readModel.failWith = new Error('secret internals at /srv/app.ts:12');
    const res = await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    expect(res.status).toBe(500);
    expect(res.text).not.toMatch(/secret internals|app\.ts/);
  });
});
