import { createOrderCommandService } from '../../api/application/order-commands';
import { createOrderQueryService } from '../../api/application/order-queries';
import { WaitSlots } from '../../api/reads/wait-slots';
import { systemClock } from '../../api/reads/read-your-writes';
import { FakeCommands, FakeIdempotencyStore, FakeReadModel, orderView } from './fakes';
import { validOrder } from './harness';

// The application without HTTP: its outcomes are values or typed refusals, which the routes
// only translate (routes/order-problems.ts).

const alice = { sub: 'alice', support: false };
const agent = { sub: 'agent-7', support: true };

function commandService(maxOpenOrdersPerCustomer = 10) {
  const fakes = {
    commands: new FakeCommands(),
    readModel: new FakeReadModel(),
    idempotency: new FakeIdempotencyStore(),
  };
  let ids = 0;
  const orders = createOrderCommandService({
    ...fakes,
    newOrderId: () => `ord_${++ids}`,
    maxOpenOrdersPerCustomer,
  });
  return { orders, ...fakes };
}

describe('order commands', () => {
  it('places an order once per Idempotency-Key of a caller; another caller’s key is its own', async () => {
    const { orders, commands } = commandService();
    const first = await orders.place(alice, validOrder('alice'), 'key-1');
    const again = await orders.place(alice, validOrder('alice'), 'key-1');
    expect(first).toEqual({
      ok: true,
      value: { orderId: 'ord_1', status: 'PENDING', version: 1, replayed: false },
    });
    expect(again).toMatchObject({ ok: true, value: { orderId: 'ord_1', replayed: true } });
    const bob = await orders.place({ sub: 'bob', support: false }, validOrder('bob'), 'key-1');
    expect(bob).toMatchObject({ ok: true, value: { orderId: 'ord_3', replayed: false } });
    expect(commands.starts).toBe(2);
  });

  it('refuses with typed refusals: another customer, a reused key, the cap', async () => {
    const { orders, idempotency } = commandService(1);
    expect(await orders.place(alice, validOrder('bob'))).toEqual({
      ok: false,
      refusal: { kind: 'not-your-customer', customerId: 'bob', action: 'place' },
    });
    await orders.place(alice, validOrder('alice'), 'k');
    expect(await orders.place(alice, { ...validOrder('alice'), currency: 'EUR' }, 'k')).toEqual({
      ok: false,
      refusal: { kind: 'idempotency-key-reused' },
    });
    expect(await orders.place(alice, validOrder('alice'), 'k2')).toEqual({
      ok: false,
      refusal: { kind: 'too-many-open-orders', customerId: 'alice', limit: 1, openOrders: 1 },
    });
    expect([...idempotency.keys.keys()]).toEqual(['alice\u0000k']);
  });

  it('passes the workflow’s refusal on with its own reason; others’ orders are not found', async () => {
    const { orders, commands } = commandService();
    const placed = await orders.place(alice, validOrder('alice'));
    const orderId = placed.ok ? placed.value.orderId : '';
    commands.orders.get(orderId)!.status = 'COMPLETED';
    expect(await orders.cancel(alice, orderId)).toEqual({
      ok: false,
      refusal: {
        kind: 'workflow-refused',
        reason: 'TOO_LATE_TO_CANCEL',
        detail: 'The shipment has already been created.',
      },
    });
    expect(await orders.cancel({ sub: 'mallory', support: false }, orderId)).toEqual({
      ok: false,
      refusal: { kind: 'order-not-found', orderId },
    });
    expect(commands.calls.filter((c) => c.method === 'cancel')).toHaveLength(1);
  });

  it('four eyes: support cannot approve its own order, but may reject it', async () => {
    const { orders, commands } = commandService();
    const placed = await orders.place(agent, validOrder('agent-7'));
    const orderId = placed.ok ? placed.value.orderId : '';
    commands.orders.get(orderId)!.status = 'AWAITING_APPROVAL';
    expect(await orders.decide(agent, orderId, 'approve')).toEqual({
      ok: false,
      refusal: { kind: 'self-approval', orderId, sub: 'agent-7' },
    });
    expect(await orders.decide(agent, orderId, 'reject')).toEqual({ ok: true, value: undefined });
  });
});

describe('order queries', () => {
  function queryService() {
    const commands = new FakeCommands();
    const readModel = new FakeReadModel();
    const queries = createOrderQueryService({
      commands,
      readModel,
      waits: new WaitSlots({ total: 1, perSubject: 1 }),
      clock: systemClock,
      defaultWaitMs: 50,
    });
    return { queries, readModel };
  }

  it('answers an order to its customer and support only; a wait that sees nothing is not yet visible', async () => {
    const { queries, readModel } = queryService();
    readModel.views.set('ord_1', orderView({ orderId: 'ord_1' }));
    expect(await queries.get(alice, 'ord_1')).toMatchObject({
      ok: true,
      value: { view: { orderId: 'ord_1' } },
    });
    expect(await queries.get({ sub: 'bob', support: false }, 'ord_1')).toEqual({
      ok: false,
      refusal: { kind: 'order-not-found', orderId: 'ord_1' },
    });
    expect(await queries.get(agent, 'ord_1', { minVersion: 1 })).toMatchObject({
      ok: true,
      value: { reached: true },
    });
    const unseen = await queries.get(alice, 'ord_2', { minVersion: 1, timeoutMs: 30 });
    expect(unseen).toMatchObject({
      ok: false,
      refusal: { kind: 'order-not-yet-visible', orderId: 'ord_2', minVersion: 1 },
    });
  });

  it('a customer’s stats are theirs (zeros before any order); support may read anyone’s', async () => {
    const { queries, readModel } = queryService();
    readModel.stats.set('alice', {
      customerId: 'alice',
      ordersByStatus: { COMPLETED: 1 },
      totalSpent: 10,
    });
    expect(await queries.customerStats(alice, 'alice')).toMatchObject({
      ok: true,
      value: { totalSpent: 10 },
    });
    expect(await queries.customerStats(alice, 'bob')).toEqual({
      ok: false,
      refusal: { kind: 'not-your-customer', customerId: 'bob', action: 'read-stats' },
    });
    expect(await queries.customerStats(agent, 'bob')).toEqual({
      ok: true,
      value: { customerId: 'bob', ordersByStatus: {}, totalSpent: 0 },
    });
  });
});
