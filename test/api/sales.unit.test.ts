import request from 'supertest';
import { DependencyUnavailableError } from '../../api/ports';
import { bearer, harness } from './harness';
import { getAs } from './requests';

// The aggregates the projector keeps beside the orders, served over the fakes: a customer's own
// stats, and support's sales per SKU.

function seeded() {
  const h = harness();
  h.readModel.stats.set('alice', {
    customerId: 'alice',
    ordersByStatus: { COMPLETED: 2, CANCELLED: 1, PENDING: 0 },
    totalSpent: 4500,
    // What the projector stores beside the contract's fields must not leave the API.
    ...{ _marks: { p0: 17 } },
  });
  for (const [sku, unitsSold, revenue] of [
    ['KETTLE', 3, 7500],
    ['MUG', 10, 2000],
    ['TEAPOT', 1, 7500],
  ] as const)
    h.readModel.sales.set(sku, { sku, unitsSold, revenue });
  return h;
}

describe('GET /customers/{customerId}/stats', () => {
  it("answers the caller's own counts by status and total spent, nothing more", async () => {
    const h = seeded();
    const res = await getAs(h.app, '/customers/alice/stats', 'alice', 'orders:read');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      customerId: 'alice',
      ordersByStatus: { COMPLETED: 2, CANCELLED: 1, PENDING: 0 },
      totalSpent: 4500,
    });
  });

  it("another customer's stats are 403 unless support, who may read anyone's", async () => {
    const h = seeded();
    const bob = await getAs(h.app, '/customers/alice/stats', 'bob', 'orders:read');
    expect(bob.status).toBe(403);
    expect(bob.body).toMatchObject({ type: 'https://order-saga.example/problems/forbidden' });
    const support = await getAs(
      h.app,
      '/customers/alice/stats',
      'agent',
      'orders:read orders:support',
    );
    expect(support.status).toBe(200);
    expect((support.body as { totalSpent: number }).totalSpent).toBe(4500);
  });

  it('a customer without orders has all zeros; the scope orders:read is needed', async () => {
    const h = seeded();
    const fresh = await getAs(h.app, '/customers/carol/stats', 'carol', 'orders:read');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ customerId: 'carol', ordersByStatus: {}, totalSpent: 0 });
    const writeOnly = await getAs(h.app, '/customers/carol/stats', 'carol', 'orders:write');
    expect(writeOnly.status).toBe(403);
    expect((await request(h.app).get('/customers/carol/stats')).status).toBe(401);
  });

  it('answers 503 naming mongodb when the read model is unreachable', async () => {
    const h = seeded();
    h.readModel.failWith = new DependencyUnavailableError('mongodb');
    const res = await getAs(h.app, '/customers/alice/stats', 'alice', 'orders:read');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ dependency: 'mongodb' });
  });
});

describe('GET /sales/skus (support)', () => {
  it('lists the SKUs with the most revenue first, ties by SKU, up to limit', async () => {
    const h = seeded();
    const support = await bearer('agent', 'orders:support');
    const res = await request(h.app).get('/sales/skus?limit=2').set('Authorization', support);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { sku: 'KETTLE', unitsSold: 3, revenue: 7500 },
        { sku: 'TEAPOT', unitsSold: 1, revenue: 7500 },
      ],
    });
    const all = await request(h.app).get('/sales/skus').set('Authorization', support);
    expect((all.body as { items: unknown[] }).items).toHaveLength(3);
    for (const bad of ['0', '101', 'many'])
      expect(
        (await request(h.app).get(`/sales/skus?limit=${bad}`).set('Authorization', support)).status,
      ).toBe(400);
  });

  it("one SKU's sales; zeros before its first sale; customers are refused", async () => {
    const h = seeded();
    const support = await bearer('agent', 'orders:support');
    const mug = await request(h.app).get('/sales/skus/MUG').set('Authorization', support);
    expect(mug.body).toEqual({ sku: 'MUG', unitsSold: 10, revenue: 2000 });
    const unsold = await request(h.app).get('/sales/skus/SPOON').set('Authorization', support);
    expect(unsold.status).toBe(200);
    expect(unsold.body).toEqual({ sku: 'SPOON', unitsSold: 0, revenue: 0 });
    expect(
      (await request(h.app).get('/sales/skus/bad%20sku').set('Authorization', support)).status,
    ).toBe(400);
    const customer = await bearer('alice', 'orders:read orders:write');
    expect((await request(h.app).get('/sales/skus').set('Authorization', customer)).status).toBe(
      403,
    );
    expect(
      (await request(h.app).get('/sales/skus/MUG').set('Authorization', customer)).status,
    ).toBe(403);
  });
});
