import request from 'supertest';
import { PROBLEM_OF_REFUSAL, PROBLEM_TYPES } from '../../api/http/problem-types';
import { MAX_UNIT_PRICE } from '../../contracts/order';
import { UPDATE_REJECTION_REASONS } from '../../workflows/client';
import { harness } from './harness';

// The document says exactly what the server does (test/contract runs schemathesis on it; these
// are the points it once disagreed on).

type Json = Record<string, unknown>;
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (v as Json | undefined)?.[key], value);

describe('the OpenAPI document is exact', () => {
  let doc: Json;
  beforeAll(async () => {
    doc = (await request(harness().app).get('/openapi.json')).body as Json;
  });

  it('health and readiness have no security requirement; the rest need a token', () => {
    for (const path of ['/healthz', '/readyz'])
      expect(at(doc, 'paths', path, 'get', 'security')).toEqual([]);
    expect(at(doc, 'security')).toEqual([{ bearerAuth: [] }]);
    expect(at(doc, 'paths', '/orders', 'get', 'security')).toEqual([{ bearerAuth: [] }]);
  });

  it('unitPrice has its maximum; Idempotency-Key and the cursor have their patterns', () => {
    const schemas = at(doc, 'components', 'schemas') as Json;
    expect(at(schemas, 'CatalogEntryInput', 'properties', 'unitPrice', 'maximum')).toBe(
      MAX_UNIT_PRICE,
    );
    expect(at(schemas, 'CatalogEntryInput', 'additionalProperties')).toBe(false);
    expect(at(schemas, 'PlaceOrder', 'additionalProperties')).toBe(false);
    const params = (method: string, path: string) =>
      at(doc, 'paths', path, method, 'parameters') as { name: string; schema: Json }[];
    const key = params('post', '/orders').find((p) => p.name === 'Idempotency-Key');
    expect(key?.schema.pattern).toBe('^[\\x21-\\x7e]+$');
    const cursor = params('get', '/orders').find((p) => p.name === 'cursor');
    expect(cursor?.schema.pattern).toMatch(/~/);
  });

  it('unsupported methods on known paths answer 405 with Allow; unknown paths 404', async () => {
    const { app } = harness();
    const trace = await request(app).trace('/orders');
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toBe('POST, GET, HEAD');
    expect(trace.headers['content-type']).toMatch(/application\/problem\+json/);
    const del = await request(app).delete('/orders/ord_1');
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD');
    expect((await request(app).delete('/nope')).status).toBe(404);
  });

  it('OPTIONS lists every method of a path, commands and reads alike', async () => {
    const { app } = harness();
    const allowed = (await request(app).options('/orders')).headers.allow ?? '';
    expect(allowed.split(/,\s*/).sort()).toEqual(['GET', 'HEAD', 'POST']);
  });
});

describe('the OpenAPI document names every problem type', () => {
  let doc: Json;
  beforeAll(async () => {
    doc = (await request(harness().app).get('/openapi.json')).body as Json;
  });
  const described = (method: string, path: string, status: string) =>
    at(doc, 'paths', path, method, 'responses', status, 'description') as string;

  it('has a table of them in its description', () => {
    const description = at(doc, 'info', 'description') as string;
    for (const [type, status] of [
      ['payment-already-confirmed', 409],
      ['order-already-decided', 409],
      ['too-many-open-orders', 409],
      ['self-approval-forbidden', 403],
      ['no-failed-compensation', 409],
      ['compensation-retry-already-scheduled', 409],
      ['rate-limited', 429],
    ] as const)
      expect(description).toContain(`| \`${type}\` | ${status} |`);
  });

  it("names each workflow refusal's reason beside its problem type, one to one", () => {
    const description = at(doc, 'info', 'description') as string;
    for (const reason of UPDATE_REJECTION_REASONS) {
      const { type } = PROBLEM_TYPES[PROBLEM_OF_REFUSAL[reason]];
      expect(description).toContain(`| \`${type}\` | 409 | Conflict | \`${reason}\`: `);
    }
    expect(described('post', '/payments/webhook', '409')).toMatch(
      /payment-already-confirmed \(`reason` ALREADY_CONFIRMED\)/,
    );
    expect(described('post', '/orders/{orderId}/reject', '409')).toMatch(/order-already-decided/);
  });

  it('documents the stats and sales reads, with their scopes', () => {
    const stats = at(doc, 'paths', '/customers/{customerId}/stats', 'get') as Json;
    expect(stats.description).toMatch(/orders:read.*orders:support/);
    expect(at(stats, 'responses', '200', 'content', 'application/json', 'schema')).toEqual({
      $ref: '#/components/schemas/CustomerStats',
    });
    expect(at(doc, 'paths', '/sales/skus', 'get', 'description')).toMatch(/orders:support/);
    expect(at(doc, 'components', 'schemas', 'SkuSales', 'required')).toEqual([
      'sku',
      'unitsSold',
      'revenue',
    ]);
  });

  it('documents retry-compensation for support, and the new refusals where they happen', () => {
    const retry = '/orders/{orderId}/retry-compensation';
    expect(at(doc, 'paths', retry, 'post', 'security')).toEqual([{ bearerAuth: [] }]);
    expect(at(doc, 'paths', retry, 'post', 'description')).toMatch(/orders:support/);
    expect(described('post', retry, '202')).toBeTruthy();
    expect(described('post', retry, '409')).toMatch(/no-failed-compensation/);
    expect(described('post', retry, '409')).toMatch(/compensation-retry-already-scheduled/);
    expect(described('post', '/orders/{orderId}/approve', '403')).toMatch(
      /self-approval-forbidden/,
    );
    expect(described('post', '/orders', '409')).toMatch(/too-many-open-orders/);
  });
});
