import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import type { Clock } from '../../api/reads/read-your-writes';
import { ALL_SCOPES, harness, token, validOrder, WEBHOOK_SECRET } from './harness';

// Property: whatever a client sends to any operation of the generated OpenAPI document, the
// API answers below 500, and every error is a problem document. Operations, path parameters
// and query parameters are read from /openapi.json, so new routes are fuzzed automatically.

interface Operation {
  method: 'get' | 'post' | 'put';
  path: string;
  pathParams: string[];
  queryParams: string[];
}

/** Time passes instantly: minVersion waits cost nothing however long the fuzzer asks for. */
function instantClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

const junkString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '%',
    '..',
    '-1',
    '1e309',
    'NaN',
    '__proto__',
    'constructor',
    'ord_test1',
    'SKU-1',
    '\u0000',
    '😀',
    'a'.repeat(600),
  ),
  fc.integer().map(String),
);

const jsonish = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.constant(JSON.stringify(validOrder())),
  fc
    .record({
      key: fc.constantFrom(
        'customerId',
        'items',
        'currency',
        'paymentToken',
        'shippingAddress',
        'name',
        'unitPrice',
        'available',
        'orderId',
        'outcome',
      ),
      value: fc.jsonValue({ maxDepth: 2 }),
    })
    .map(({ key, value }) =>
      JSON.stringify({
        ...validOrder(),
        name: 'n',
        unitPrice: 1,
        available: 1,
        orderId: 'ord_test1',
        outcome: 'confirmed',
        [key]: value,
      }),
    ),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[',
    '{"a":',
    'null',
    'true',
    '"str"',
    '{"__proto__":{"x":1}}',
    '{"items":{"length":1e9}}',
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'garbage',
);

describe('fuzzing every operation of the OpenAPI document', () => {
  let server: Server;
  let base: string;
  let operations: Operation[];
  let tokens: string[];

  beforeAll(async () => {
    const h = harness({ clock: instantClock() });
    server = h.app.listen(0);
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const doc = (await request(base).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method as Operation['method'],
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(12);
    tokens = [
      await token('alice', ALL_SCOPES),
      await token('agent', 'orders:support'),
      'not.a.token',
      '',
    ];
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('never answers 5xx to malformed requests', async () => {
    const requestArb = fc.record({
      op: fc.nat(),
      params: fc.array(junkString, { minLength: 3, maxLength: 3 }),
      query: fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('minVersion', 'timeoutMs', 'limit', 'cursor', 'status', 'customerId'),
            fc.string({ maxLength: 8 }),
          ),
          junkString,
        ),
        { maxLength: 4 },
      ),
      useDocQuery: fc.boolean(),
      body: fc.option(jsonish, { nil: undefined }),
      contentType,
      tokenIndex: fc.nat({ max: 3 }),
      signBody: fc.boolean(),
      idempotencyKey: fc.option(junkString, { nil: undefined }),
    });

    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const op = operations[r.op % operations.length];
        let path = op.path;
        op.pathParams.forEach((name, i) => {
          path = path.replace(`{${name}}`, encodeURIComponent(r.params[i] ?? 'x') || 'x');
        });
        const names =
          r.useDocQuery && op.queryParams.length > 0 ? op.queryParams : r.query.map(([k]) => k);
        const qs = names
          .map(
            (k, i) =>
              `${encodeURIComponent(k)}=${encodeURIComponent(r.query[i]?.[1] ?? r.params[i % 3])}`,
          )
          .join('&');
        const url = qs ? `${path}?${qs}` : path;

        let req = request(base)[op.method](url);
        if (tokens[r.tokenIndex]) req = req.set('Authorization', `Bearer ${tokens[r.tokenIndex]}`);
        if (r.idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(r.idempotencyKey))
          req = req.set('Idempotency-Key', r.idempotencyKey);
        if (r.body !== undefined) {
          if (r.contentType) req = req.set('Content-Type', r.contentType);
          if (r.signBody)
            req = req.set(
              'X-Signature',
              createHmac('sha256', WEBHOOK_SECRET).update(r.body).digest('hex'),
            );
          req = req.send(r.body);
        }
        const res = await req;
        if (res.status >= 500)
          throw new Error(`${op.method.toUpperCase()} ${url} -> ${res.status}: ${res.text}`);
        if (res.status >= 400)
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      }),
      { numRuns: 3000 },
    );
  }, 120_000);
});
