import request from 'supertest';
import { DependencyUnavailableError } from '../../api/ports';
import { orderView } from './fakes';
import { ALL_SCOPES, bearer, harness, validOrder } from './harness';
import { type App, getAs, postAs, postOrderAs } from './requests';

const PROBLEM = /application\/problem\+json/;

/** POST /orders with a ready Authorization value and the other headers a case needs. */
const postWith = (app: App, auth: string, headers: Record<string, string>, body: string | object) =>
  request(app).post('/orders').set('Authorization', auth).set(headers).send(body);

describe('POST /orders', () => {
  it('accepts an order: 202, orderId, status, version and Location', async () => {
    const h = harness();
    const res = await postOrderAs(h.app);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ orderId: 'ord_test1', status: 'PENDING', version: 1 });
    expect(res.headers.location).toBe('/orders/ord_test1');
    expect(h.commands.starts).toBe(1);
  });

  it('rejects an invalid body with 400 and the JSON path of every problem', async () => {
    const h = harness();
    const body = { ...validOrder(), items: [{ sku: 'SKU-1', quantity: 0 }], currency: 'usd' };
    body.shippingAddress.country = 'USA';
    const res = await postOrderAs(h.app, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    const paths = (res.body as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/body/items/0/quantity',
        '/body/currency',
        '/body/shippingAddress/country',
      ]),
    );
    const problem = res.body as Record<string, unknown>;
    expect(problem.status).toBe(400);
    for (const member of ['type', 'title', 'detail']) expect(typeof problem[member]).toBe('string');
  });

  it.each([
    ['no items', { items: [] }],
    ['101 items', { items: Array.from({ length: 101 }, () => ({ sku: 'A', quantity: 1 })) }],
    ['quantity 1001', { items: [{ sku: 'A', quantity: 1001 }] }],
  ])('rejects %s', async (_name, patch) => {
    const h = harness();
    const res = await postOrderAs(h.app, { ...validOrder(), ...patch });
    expect(res.status).toBe(400);
  });

  it('answers malformed JSON with 400, a non-JSON body with 415, a body over 100 kB with 413', async () => {
    const h = harness();
    const auth = await bearer('alice', 'orders:write');
    const malformed = await postWith(
      h.app,
      auth,
      { 'Content-Type': 'application/json' },
      '{"customerId":',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toMatch(PROBLEM);
    const text = await postWith(h.app, auth, { 'Content-Type': 'text/plain' }, 'hello');
    expect(text.status).toBe(415);
    const big = await postOrderAs(h.app, { ...validOrder(), paymentToken: 'x'.repeat(110_000) });
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(PROBLEM);
  });

  it('refuses to place an order for another customer without orders:support', async () => {
    const h = harness();
    const res = await postOrderAs(h.app, validOrder('alice'), 'mallory', 'orders:write');
    expect(res.status).toBe(403);
    const support = await postOrderAs(
      h.app,
      validOrder('alice'),
      'agent',
      'orders:write orders:support',
    );
    expect(support.status).toBe(202);
  });

  it('with an Idempotency-Key, a repeat returns the same orderId and starts nothing new', async () => {
    const h = harness();
    const auth = await bearer('alice', 'orders:write');
    const first = await postWith(h.app, auth, { 'Idempotency-Key': 'k-1' }, validOrder());
    const again = await postWith(h.app, auth, { 'Idempotency-Key': 'k-1' }, validOrder());
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect((again.body as { orderId: string }).orderId).toBe(
      (first.body as { orderId: string }).orderId,
    );
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(h.commands.starts).toBe(1);
  });

  it('concurrent repeats of one key all get the same orderId and start one workflow', async () => {
    const h = harness();
    const auth = await bearer('alice', 'orders:write');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        postWith(h.app, auth, { 'Idempotency-Key': 'same' }, validOrder()),
      ),
    );
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([202]));
    expect(new Set(responses.map((r) => (r.body as { orderId: string }).orderId)).size).toBe(1);
    expect(h.commands.starts).toBe(1);
  });

  it('the same key with a different body is 409; keys are per caller', async () => {
    const h = harness();
    const auth = await bearer('alice', 'orders:write');
    await postWith(h.app, auth, { 'Idempotency-Key': 'k' }, validOrder());
    const other = { ...validOrder(), currency: 'EUR' };
    const res = await postWith(h.app, auth, { 'Idempotency-Key': 'k' }, other);
    expect(res.status).toBe(409);
    expect((res.body as { type: string }).type).toMatch(/idempotency-key-reused$/);
    const bob = await postWith(
      h.app,
      await bearer('bob', 'orders:write'),
      { 'Idempotency-Key': 'k' },
      validOrder('bob'),
    );
    expect(bob.status).toBe(202);
    expect((bob.body as { orderId: string }).orderId).not.toBe('ord_test1');
  });

  it('rejects an unusable Idempotency-Key with 400', async () => {
    const h = harness();
    const res = await postWith(
      h.app,
      await bearer('alice', 'orders:write'),
      { 'Idempotency-Key': 'x'.repeat(300) },
      validOrder(),
    );
    expect(res.status).toBe(400);
  });

  it('answers 503 naming the dependency when Temporal is down, without a stack trace', async () => {
    const h = harness();
    h.commands.placeOrder = () =>
      Promise.reject(
        new DependencyUnavailableError('temporal', { cause: new Error('ECONNREFUSED') }),
      );
    const res = await postOrderAs(h.app);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ dependency: 'temporal', status: 503 });
    expect(res.text).not.toMatch(/ECONNREFUSED|at .*\.ts/);
  });
});

describe('GET /orders/{orderId}', () => {
  it('returns the read model without storage fields', async () => {
    const h = harness();
    h.readModel.views.set('ord_1', {
      ...orderView({ orderId: 'ord_1' }),
      ...{ _id: 'ord_1' },
    });
    const res = await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      orderId: 'ord_1',
      customerId: 'alice',
      version: 1,
      payment: { status: 'NONE' },
    });
    expect(res.body).not.toHaveProperty('_id');
  });

  it('is 404 for an unknown order and for another customer (unless support)', async () => {
    const h = harness();
    h.readModel.views.set('ord_1', orderView({ orderId: 'ord_1' }));
    const unknown = await getAs(h.app, '/orders/ord_2', 'alice', 'orders:read');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(PROBLEM);
    const other = await getAs(h.app, '/orders/ord_1', 'bob', 'orders:read');
    expect(other.status).toBe(404);
    const support = await getAs(h.app, '/orders/ord_1', 'agent', 'orders:read orders:support');
    expect(support.status).toBe(200);
  });

  it("links support to the order's workflow in the Temporal UI; customers get no link", async () => {
    const h = harness();
    h.readModel.views.set('ord_1', orderView({ orderId: 'ord_1' }));
    const link = 'http://127.0.0.1:8233/namespaces/default/workflows/order-ord_1';
    const asSupport = await bearer('agent', 'orders:read orders:support');
    const one = await request(h.app).get('/orders/ord_1').set('Authorization', asSupport);
    expect((one.body as { temporalUiUrl?: string }).temporalUiUrl).toBe(link);
    const list = await request(h.app)
      .get('/orders?customerId=alice')
      .set('Authorization', asSupport);
    expect((list.body as { items: { temporalUiUrl?: string }[] }).items[0].temporalUiUrl).toBe(
      link,
    );
    const asCustomer = await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    expect(asCustomer.status).toBe(200);
    expect(asCustomer.body).not.toHaveProperty('temporalUiUrl');
  });

  it('with minVersion waits until the read model catches up (read your own write)', async () => {
    const h = harness();
    h.readModel.onGet = (orderId, attempt) => {
      if (attempt === 3) h.readModel.views.set(orderId, orderView({ orderId, version: 1 }));
      if (attempt === 5) h.readModel.views.set(orderId, orderView({ orderId, version: 2 }));
    };
    const res = await getAs(h.app, '/orders/ord_9?minVersion=2', 'alice', 'orders:read');
    expect(res.status).toBe(200);
    expect((res.body as { version: number }).version).toBe(2);
    expect(res.headers['x-min-version-reached']).toBe('true');
  });

  it('on timeout answers the older version it has, or 404 "not yet visible" when it has nothing', async () => {
    const h = harness();
    h.readModel.views.set('ord_1', orderView({ orderId: 'ord_1', version: 1 }));
    const auth = await bearer('alice', 'orders:read');
    const stale = await request(h.app)
      .get('/orders/ord_1?minVersion=5&timeoutMs=100')
      .set('Authorization', auth);
    expect(stale.status).toBe(200);
    expect(stale.headers['x-min-version-reached']).toBe('false');
    const started = Date.now();
    const nothing = await request(h.app)
      .get('/orders/ord_x?minVersion=1&timeoutMs=150')
      .set('Authorization', auth);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(nothing.status).toBe(404);
    expect((nothing.body as { type: string }).type).toMatch(/order-not-yet-visible$/);
    expect(nothing.headers['retry-after']).toBe('1');
  });

  it('caps timeoutMs and validates the query', async () => {
    const h = harness();
    const auth = await bearer('alice', 'orders:read');
    for (const query of ['minVersion=1&timeoutMs=999999', 'minVersion=-1', 'minVersion=abc']) {
      const res = await request(h.app).get(`/orders/ord_1?${query}`).set('Authorization', auth);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });

  it('answers 503 naming mongodb when the read model is unreachable', async () => {
    const h = harness();
    h.readModel.failWith = new DependencyUnavailableError('mongodb');
    const res = await getAs(h.app, '/orders/ord_1', 'alice', 'orders:read');
    expect(res.status).toBe(503);
    expect((res.body as { detail: string }).detail).toMatch(/mongodb/);
  });
});

describe('GET /orders', () => {
  function seed(h: ReturnType<typeof harness>) {
    for (let i = 1; i <= 5; i++) {
      h.readModel.views.set(
        `ord_${i}`,
        orderView({ orderId: `ord_${i}`, createdAt: `2026-01-0${i}T00:00:00.000Z` }),
      );
    }
    h.readModel.views.set(
      'ord_b',
      orderView({ orderId: 'ord_b', customerId: 'bob', status: 'COMPLETED' }),
    );
  }

  it("pages the caller's orders newest first with an opaque cursor", async () => {
    const h = harness();
    seed(h);
    const auth = await bearer('alice', 'orders:read');
    const first = await request(h.app).get('/orders?limit=2').set('Authorization', auth);
    expect(first.status).toBe(200);
    const page1 = first.body as { items: { orderId: string }[]; nextCursor: string };
    expect(page1.items.map((o) => o.orderId)).toEqual(['ord_5', 'ord_4']);
    const seen = [...page1.items.map((o) => o.orderId)];
    let cursor: string | null = page1.nextCursor;
    while (cursor) {
      const res = await request(h.app)
        .get(`/orders?limit=2&cursor=${cursor}`)
        .set('Authorization', auth);
      const page = res.body as { items: { orderId: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((o) => o.orderId));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['ord_5', 'ord_4', 'ord_3', 'ord_2', 'ord_1']);
  });

  it("filters by status; other customers' lists need support; bad cursors are 400", async () => {
    const h = harness();
    seed(h);
    const alice = await bearer('alice', 'orders:read');
    expect(
      (await request(h.app).get('/orders?customerId=bob').set('Authorization', alice)).status,
    ).toBe(403);
    const support = await bearer('agent', 'orders:read orders:support');
    const completed = await request(h.app)
      .get('/orders?status=COMPLETED')
      .set('Authorization', support);
    expect(
      (completed.body as { items: { orderId: string }[] }).items.map((o) => o.orderId),
    ).toEqual(['ord_b']);
    for (const query of ['cursor=garbage', 'status=NOPE', 'limit=0']) {
      const res = await request(h.app).get(`/orders?${query}`).set('Authorization', alice);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });
});

describe('commands on an order', () => {
  async function placed(h: ReturnType<typeof harness>, customer = 'alice') {
    const res = await postOrderAs(h.app, validOrder(customer), customer, 'orders:write');
    return (res.body as { orderId: string }).orderId;
  }

  /** A fresh app with one order of alice's in it. */
  async function withPlacedOrder() {
    const h = harness();
    return { h, id: await placed(h) };
  }

  it('cancel: 202, 409 with the reason when too late, 404 unknown', async () => {
    const { h, id } = await withPlacedOrder();
    const auth = await bearer('alice', 'orders:write');
    const ok = await request(h.app).post(`/orders/${id}/cancel`).set('Authorization', auth);
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ orderId: id, accepted: true });

    const late = await placed(h);
    h.commands.orders.get(late)!.status = 'SHIPMENT_CREATED';
    const tooLate = await request(h.app).post(`/orders/${late}/cancel`).set('Authorization', auth);
    expect(tooLate.status).toBe(409);
    expect(tooLate.body).toMatchObject({ reason: 'TOO_LATE_TO_CANCEL' });
    expect((tooLate.body as { detail: string }).detail).toMatch(/shipment/);
    expect((tooLate.body as { type: string }).type).toMatch(/too-late-to-cancel$/);

    expect(
      (await request(h.app).post('/orders/ord_nope/cancel').set('Authorization', auth)).status,
    ).toBe(404);
  });

  it("cancel of another customer's order is 404 unless support; even before the read model has it", async () => {
    const { h, id } = await withPlacedOrder();
    const mallory = await postAs(h.app, `/orders/${id}/cancel`, 'mallory', 'orders:write');
    expect(mallory.status).toBe(404);
    const support = await postAs(
      h.app,
      `/orders/${id}/cancel`,
      'agent',
      'orders:write orders:support',
    );
    expect(support.status).toBe(202);
    expect(h.commands.calls.filter((c) => c.method === 'cancel').map((c) => c.by)).toEqual([
      { sub: 'agent', support: true },
    ]);
  });

  it('cancel needs orders:write', async () => {
    const { h, id } = await withPlacedOrder();
    const res = await postAs(h.app, `/orders/${id}/cancel`, 'alice', 'orders:read');
    expect(res.status).toBe(403);
  });

  it.each(['approve', 'reject'])(
    '%s: 202 when awaiting approval, 409 otherwise, 403 without support, 404 unknown',
    async (action) => {
      const { h, id } = await withPlacedOrder();
      const support = await bearer('agent', 'orders:support');
      const notAwaiting = await request(h.app)
        .post(`/orders/${id}/${action}`)
        .set('Authorization', support);
      expect(notAwaiting.status).toBe(409);
      expect((notAwaiting.body as { type: string }).type).toMatch(/not-awaiting-approval$/);
      h.commands.orders.get(id)!.status = 'AWAITING_APPROVAL';
      expect(
        (await request(h.app).post(`/orders/${id}/${action}`).set('Authorization', support)).status,
      ).toBe(202);
      const customer = await bearer('alice', ALL_SCOPES.replace(' orders:support', ''));
      expect(
        (await request(h.app).post(`/orders/${id}/${action}`).set('Authorization', customer))
          .status,
      ).toBe(403);
      expect(
        (await request(h.app).post(`/orders/ord_x/${action}`).set('Authorization', support)).status,
      ).toBe(404);
    },
  );

  it('history: summary plus the Temporal UI link, support only', async () => {
    const { h, id } = await withPlacedOrder();
    const support = await bearer('agent', 'orders:support');
    const res = await request(h.app).get(`/orders/${id}/history`).set('Authorization', support);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      orderId: id,
      workflowId: `order-${id}`,
      temporalUiUrl: `http://127.0.0.1:8233/namespaces/default/workflows/order-${id}`,
      events: [{ type: 'WorkflowExecutionStarted', name: 'orderSaga' }],
    });
    expect((await getAs(h.app, `/orders/${id}/history`, 'alice', 'orders:read')).status).toBe(403);
    expect(
      (await request(h.app).get('/orders/ord_x/history').set('Authorization', support)).status,
    ).toBe(404);
  });
});
