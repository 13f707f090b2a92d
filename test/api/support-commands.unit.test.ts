import request from 'supertest';
import type { OrderStatus } from '../../contracts/order';
import { bearer, harness, validOrder } from './harness';

// Support's commands beyond cancel: approvals under four eyes, and the retry of a compensation
// that failed for good (COMPENSATION_FAILED), over the fakes.

const SUPPORT = 'orders:read orders:write orders:support';

/** An order of `customer` in `status`, as the workflow would have it. */
async function orderIn(h: ReturnType<typeof harness>, customer: string, status: OrderStatus) {
  const res = await request(h.app)
    .post('/orders')
    .set('Authorization', await bearer(customer, SUPPORT))
    .send(validOrder(customer));
  const orderId = (res.body as { orderId: string }).orderId;
  h.commands.orders.get(orderId)!.status = status;
  return orderId;
}

const post = async (h: ReturnType<typeof harness>, path: string, sub: string, scope = SUPPORT) =>
  request(h.app)
    .post(path)
    .set('Authorization', await bearer(sub, scope));

describe('four eyes: approving one’s own order', () => {
  it('is refused with its own problem type; another member of support may approve', async () => {
    const h = harness();
    const id = await orderIn(h, 'agent-7', 'AWAITING_APPROVAL');
    const own = await post(h, `/orders/${id}/approve`, 'agent-7');
    expect(own.status).toBe(403);
    expect(own.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(own.body).toMatchObject({
      type: 'https://order-saga.example/problems/self-approval-forbidden',
      title: 'Forbidden',
      status: 403,
    });
    expect((own.body as { detail: string }).detail).toMatch(/agent-7.*cannot approve it/);
    // Refused before the workflow is asked: it never saw an approval.
    expect(h.commands.calls.filter((c) => c.method === 'approve')).toEqual([]);

    expect((await post(h, `/orders/${id}/approve`, 'agent-8')).status).toBe(202);
    expect(h.commands.calls.filter((c) => c.method === 'approve').map((c) => c.by)).toEqual([
      { sub: 'agent-8', support: true },
    ]);
  });

  it('rejecting one’s own order stays allowed: it only cancels, as the customer may anyway', async () => {
    const h = harness();
    const id = await orderIn(h, 'agent-7', 'AWAITING_APPROVAL');
    expect((await post(h, `/orders/${id}/reject`, 'agent-7')).status).toBe(202);
  });

  it('a second decision is 409 order-already-decided, the workflow’s own reason', async () => {
    const h = harness();
    const id = await orderIn(h, 'alice', 'AWAITING_APPROVAL');
    expect((await post(h, `/orders/${id}/approve`, 'agent-8')).status).toBe(202);
    const again = await post(h, `/orders/${id}/reject`, 'agent-9');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: 'https://order-saga.example/problems/order-already-decided',
      reason: 'ALREADY_DECIDED',
    });
  });

  it('an unknown order is 404, not a four-eyes refusal', async () => {
    const h = harness();
    const res = await post(h, '/orders/ord_nope/approve', 'agent-7');
    expect(res.status).toBe(404);
  });
});

describe('POST /orders/{orderId}/retry-compensation', () => {
  it('sends the retry for a COMPENSATION_FAILED order, naming who asked', async () => {
    const h = harness();
    const id = await orderIn(h, 'alice', 'COMPENSATION_FAILED');
    const res = await post(h, `/orders/${id}/retry-compensation`, 'agent-8');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ orderId: id, accepted: true });
    expect(h.commands.calls.filter((c) => c.method === 'retryCompensation')).toEqual([
      { method: 'retryCompensation', orderId: id, by: { sub: 'agent-8', support: true } },
    ]);
  });

  it('maps the workflow’s refusals to their problem types', async () => {
    const h = harness();
    const failed = await orderIn(h, 'alice', 'COMPENSATION_FAILED');
    expect((await post(h, `/orders/${failed}/retry-compensation`, 'agent-8')).status).toBe(202);
    const again = await post(h, `/orders/${failed}/retry-compensation`, 'agent-8');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: 'https://order-saga.example/problems/compensation-retry-already-scheduled',
      reason: 'RETRY_ALREADY_SCHEDULED',
    });

    const running = await orderIn(h, 'alice', 'AWAITING_PAYMENT_CONFIRMATION');
    const nothing = await post(h, `/orders/${running}/retry-compensation`, 'agent-8');
    expect(nothing.status).toBe(409);
    expect(nothing.body).toMatchObject({
      type: 'https://order-saga.example/problems/no-failed-compensation',
      reason: 'NO_FAILED_COMPENSATION',
      detail: 'No compensation is waiting for a retry (status AWAITING_PAYMENT_CONFIRMATION).',
    });

    const unknown = await post(h, '/orders/ord_nope/retry-compensation', 'agent-8');
    expect(unknown.status).toBe(404);
  });

  it('needs orders:support, even for the order’s own customer', async () => {
    const h = harness();
    const id = await orderIn(h, 'alice', 'COMPENSATION_FAILED');
    const customer = await post(h, `/orders/${id}/retry-compensation`, 'alice', 'orders:write');
    expect(customer.status).toBe(403);
    expect((customer.body as { requiredScope: string }).requiredScope).toBe('orders:support');
    const anonymous = await request(h.app).post(`/orders/${id}/retry-compensation`);
    expect(anonymous.status).toBe(401);
    expect(h.commands.calls.filter((c) => c.method === 'retryCompensation')).toEqual([]);
  });
});
