import request from 'supertest';
import {
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_ORDER_TOTAL,
  MAX_UNIT_PRICE,
  PricedItem,
} from '../../contracts/order';
import { bearer, harness, validOrder } from './harness';

interface Problem {
  detail: string;
  errors: { path: string; message: string }[];
}

describe('strict request bodies', () => {
  it('POST /orders: 400 naming every unknown field, at any depth', async () => {
    const { app, commands } = harness();
    const order = validOrder();
    const res = await request(app)
      .post('/orders')
      .set('Authorization', await bearer('alice', 'orders:write'))
      .send({
        ...order,
        coupon: 'FREE',
        items: [{ ...order.items[0], unitPrice: 1 }],
        shippingAddress: { ...order.shippingAddress, line3: 'Flat 2' },
      });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.body as Problem;
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: '/body/coupon', message: 'unknown field' },
        { path: '/body/items/0/unitPrice', message: 'unknown field' },
        { path: '/body/shippingAddress/line3', message: 'unknown field' },
      ]),
    );
    expect(body.detail).toMatch(/\/body\/coupon/);
    expect(commands.starts).toBe(0);
  });

  it('PUT /inventory/{sku}: 400 naming an unknown field', async () => {
    const res = await request(harness().app)
      .put('/inventory/SKU-1')
      .set('Authorization', await bearer('agent', 'orders:support'))
      .send({ name: 'Widget', unitPrice: 1, available: 1, reserved: 0 });
    expect(res.status).toBe(400);
    expect((res.body as Problem).errors).toEqual([
      { path: '/body/reserved', message: 'unknown field' },
    ]);
  });
});

describe('amounts stay exact', () => {
  it('the largest possible order total is a safe integer', () => {
    expect(MAX_ORDER_TOTAL).toBe(MAX_ORDER_LINES * MAX_LINE_QUANTITY * MAX_UNIT_PRICE);
    expect(Number.isSafeInteger(MAX_ORDER_TOTAL)).toBe(true);
    expect(
      PricedItem.safeParse({ sku: 'A', quantity: 1, unitPrice: 1, lineTotal: MAX_ORDER_TOTAL + 1 })
        .success,
    ).toBe(false);
  });

  it('unitPrice above the bound is refused; at the bound it is accepted', async () => {
    const { app } = harness();
    const support = await bearer('agent', 'orders:support');
    const put = (unitPrice: number) =>
      request(app)
        .put('/inventory/SKU-1')
        .set('Authorization', support)
        .send({ name: 'Widget', unitPrice, available: 1 });
    expect((await put(MAX_UNIT_PRICE)).status).toBe(201);
    const over = await put(MAX_UNIT_PRICE + 1);
    expect(over.status).toBe(400);
    expect((over.body as Problem).errors[0].path).toBe('/body/unitPrice');
  });
});

describe('paymentToken', () => {
  it.each(['4111111111111111', 'tok_', 'tok ok', 'TOK_ok', `tok_${'a'.repeat(125)}`])(
    'refuses %j',
    async (paymentToken) => {
      const res = await request(harness().app)
        .post('/orders')
        .set('Authorization', await bearer('alice', 'orders:write'))
        .send({ ...validOrder(), paymentToken });
      expect(res.status).toBe(400);
      expect((res.body as Problem).errors[0].path).toBe('/body/paymentToken');
    },
  );

  it('accepts the provider token format', async () => {
    const res = await request(harness().app)
      .post('/orders')
      .set('Authorization', await bearer('alice', 'orders:write'))
      .send({ ...validOrder(), paymentToken: 'tok_capture_fails' });
    expect(res.status).toBe(202);
  });
});
