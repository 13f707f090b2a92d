import { orderFor, type RequestOptions } from './api-client';

// Malformed and oversized requests, cycled by index: none of them may be accepted, and none may
// be answered with a 5xx. Pure, so the mix is the same on every run.

export interface BadRequest {
  kind: string;
  method: string;
  path: string;
  /** Token subject to send it with; undefined: no Authorization header. */
  sub?: string;
  opts: Omit<RequestOptions, 'token'>;
}

const valid = (sub: string) => orderFor(sub, 'CHAOS-ABUSE');

const KINDS: ((sub: string) => Omit<BadRequest, 'sub'> & { anonymous?: boolean })[] = [
  () => ({
    kind: 'truncated-json',
    method: 'POST',
    path: '/orders',
    opts: { rawBody: '{"customerId": ' },
  }),
  (sub) => ({
    kind: 'oversized-body',
    method: 'POST',
    path: '/orders',
    opts: { body: { ...valid(sub), padding: 'x'.repeat(150_000) } },
  }),
  () => ({ kind: 'empty-object', method: 'POST', path: '/orders', opts: { body: {} } }),
  (sub) => ({
    kind: 'wrong-types',
    method: 'POST',
    path: '/orders',
    opts: { body: { ...valid(sub), items: 'lots' } },
  }),
  (sub) => ({
    kind: 'negative-quantity',
    method: 'POST',
    path: '/orders',
    opts: { body: { ...valid(sub), items: [{ sku: 'CHAOS-ABUSE', quantity: -3 }] } },
  }),
  (sub) => ({
    kind: 'too-many-lines',
    method: 'POST',
    path: '/orders',
    opts: {
      body: {
        ...valid(sub),
        items: Array.from({ length: 2_000 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })),
      },
    },
  }),
  (sub) => ({
    kind: 'deep-nesting',
    method: 'POST',
    path: '/orders',
    opts: { rawBody: `{"customerId":"${sub}","items":${'['.repeat(3_000)}${']'.repeat(3_000)}}` },
  }),
  (sub) => ({
    kind: 'not-json-content-type',
    method: 'POST',
    path: '/orders',
    opts: { rawBody: JSON.stringify(valid(sub)), headers: { 'content-type': 'text/plain' } },
  }),
  (sub) => ({
    kind: 'no-token',
    method: 'POST',
    path: '/orders',
    anonymous: true,
    opts: { body: valid(sub) },
  }),
  (sub) => ({
    kind: 'garbage-token',
    method: 'POST',
    path: '/orders',
    anonymous: true,
    opts: { body: valid(sub), headers: { authorization: 'Bearer not.a.jwt' } },
  }),
  (sub) => ({
    kind: 'long-idempotency-key',
    method: 'POST',
    path: '/orders',
    opts: { body: valid(sub), headers: { 'idempotency-key': 'k'.repeat(300) } },
  }),
  (sub) => ({
    kind: 'bad-country-and-currency',
    method: 'POST',
    path: '/orders',
    opts: {
      body: {
        ...valid(sub),
        currency: 'euro',
        shippingAddress: { ...valid(sub).shippingAddress, country: 'nl1' },
      },
    },
  }),
  (sub) => ({
    kind: 'someone-elses-customer',
    method: 'POST',
    path: '/orders',
    opts: { body: valid(`${sub}-other`) },
  }),
  (sub) => ({
    kind: 'control-characters',
    method: 'POST',
    path: '/orders',
    opts: {
      body: {
        ...valid(sub),
        paymentToken: '\u0000\u202e',
        items: [{ sku: '\u0000', quantity: 1 }],
      },
    },
  }),
  (sub) => ({
    kind: 'infinite-quantity',
    method: 'POST',
    path: '/orders',
    opts: { rawBody: JSON.stringify(valid(sub)).replace('"quantity":1', '"quantity":1e999') },
  }),
  () => ({
    kind: 'top-level-array',
    method: 'POST',
    path: '/orders',
    opts: { rawBody: '[1,2,3]' },
  }),
  () => ({ kind: 'long-order-id', method: 'GET', path: `/orders/${'o'.repeat(4_000)}`, opts: {} }),
  () => ({ kind: 'bad-query', method: 'GET', path: '/orders?limit=abc&minVersion=-1', opts: {} }),
  () => ({
    kind: 'cancel-unknown-order',
    method: 'POST',
    path: '/orders/no-such-order/cancel',
    opts: {},
  }),
  () => ({ kind: 'unknown-route', method: 'DELETE', path: '/orders', opts: {} }),
];

export const BAD_REQUEST_KINDS = KINDS.length;

/** The i-th bad request; subjects change every `perSubject` requests (the limit is per subject). */
export function badRequest(i: number, perSubject = 40): BadRequest {
  const sub = `abuse-${Math.floor(i / perSubject)}`;
  const { anonymous, ...req } = KINDS[i % KINDS.length](sub);
  return anonymous ? req : { ...req, sub };
}
