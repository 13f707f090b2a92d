import request from 'supertest';
import { appSettings, loadApiConfig } from '../../api/config';
import { openOrdersQuery } from '../../api/adapters/temporal-order-commands';
import { apiConfigProblems, bearer, harness, LOCAL, settings, validOrder } from './harness';

// MAX_OPEN_ORDERS_PER_CUSTOMER: one customer cannot hold stock with any number of orders at
// once (a tok_3ds order holds its stock for up to 15 minutes). Over the fakes, whose count
// follows the visibility query's rule: running, and not waiting in COMPENSATION_FAILED.

function capped(limit: number) {
  const h = harness({ settings: settings({ maxOpenOrdersPerCustomer: limit }) });
  const place = async (customer: string, by = customer, key?: string) => {
    const req = request(h.app)
      .post('/orders')
      .set('Authorization', await bearer(by, 'orders:write orders:read orders:support'));
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(validOrder(customer));
  };
  return { ...h, place };
}

const idOf = (res: request.Response) => (res.body as { orderId: string }).orderId;

describe('the cap on a customer’s open orders', () => {
  it('refuses one more with 409 too-many-open-orders; other customers are not affected', async () => {
    const h = capped(2);
    expect((await h.place('alice')).status).toBe(202);
    expect((await h.place('alice')).status).toBe(202);
    const third = await h.place('alice');
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({
      type: 'https://order-saga.example/problems/too-many-open-orders',
      status: 409,
      limit: 2,
      openOrders: 2,
    });
    expect((third.body as { detail: string }).detail).toMatch(/alice already has 2 open orders/);
    expect(h.commands.starts).toBe(2);
    expect((await h.place('bob')).status).toBe(202);
  });

  it('counts orders placed for the customer by support too, and frees a place when one finishes', async () => {
    const h = capped(1);
    const first = await h.place('alice', 'agent-1');
    expect(first.status).toBe(202);
    expect((await h.place('alice')).status).toBe(409);
    h.commands.orders.get(idOf(first))!.status = 'CANCELLED';
    expect((await h.place('alice')).status).toBe(202);
  });

  it('does not count an order waiting for support in COMPENSATION_FAILED', async () => {
    const h = capped(1);
    const stuck = await h.place('alice');
    h.commands.orders.get(idOf(stuck))!.status = 'COMPENSATION_FAILED';
    expect((await h.place('alice')).status).toBe(202);
  });

  it('a repeat of an accepted Idempotency-Key is answered, whatever the cap says now', async () => {
    const h = capped(1);
    const first = await h.place('alice', 'alice', 'key-1');
    const repeat = await h.place('alice', 'alice', 'key-1');
    expect(repeat.status).toBe(202);
    expect(idOf(repeat)).toBe(idOf(first));
    expect(repeat.headers['idempotent-replayed']).toBe('true');
  });

  it('a refused request frees its Idempotency-Key: its retry, once there is room, places the order', async () => {
    const h = capped(1);
    const open = await h.place('alice');
    expect((await h.place('alice', 'alice', 'key-2')).status).toBe(409);
    expect(h.idempotency.keys.size).toBe(0);
    h.commands.orders.get(idOf(open))!.status = 'COMPLETED';
    const retried = await h.place('alice', 'alice', 'key-2');
    expect(retried.status).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBe('false');
    expect(h.commands.orders.has(idOf(retried))).toBe(true);
  });

  it('MAX_OPEN_ORDERS_PER_CUSTOMER: 10 by default, a positive whole number', () => {
    expect(appSettings(loadApiConfig(LOCAL)).maxOpenOrdersPerCustomer).toBe(10);
    expect(
      appSettings(loadApiConfig({ ...LOCAL, MAX_OPEN_ORDERS_PER_CUSTOMER: '3' }))
        .maxOpenOrdersPerCustomer,
    ).toBe(3);
    for (const bad of ['0', '-1', 'many'])
      expect(apiConfigProblems({ ...LOCAL, MAX_OPEN_ORDERS_PER_CUSTOMER: bad })).toEqual([
        expect.stringMatching(/^MAX_OPEN_ORDERS_PER_CUSTOMER: /),
      ]);
  });

  it('the visibility query quotes the customer id, so it cannot add a clause', () => {
    expect(openOrdersQuery('alice')).toBe(
      "WorkflowType = 'orderSaga' AND ExecutionStatus = 'Running' AND CustomerId = 'alice' AND OrderStatus != 'COMPENSATION_FAILED'",
    );
    expect(openOrdersQuery("x' OR CustomerId != 'y")).toContain(
      "CustomerId = 'x\\' OR CustomerId != \\'y'",
    );
    expect(openOrdersQuery('a\\')).toContain("CustomerId = 'a\\\\'");
  });
});
