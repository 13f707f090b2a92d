import type { OrderStatus, PlaceOrder } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { devToken } from '../../scripts/token';
import type { TestSystem } from './system';

// A client's view of a test system, for the end-to-end and observability tests: stock a SKU,
// place an order, read it until the saga has finished.

export function orderClient(system: TestSystem) {
  const token = (sub: string, scope: string) =>
    devToken({ sub, scope, ttlSeconds: 3600, secret: system.jwtSecret });

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const auth = await token('support-1', 'orders:read orders:write orders:support');
    const res = await fetch(`${system.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${auth}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  return {
    stock: (sku: string, unitPrice: number, available: number) =>
      call('PUT', `/inventory/${sku}`, { name: sku.toLowerCase(), unitPrice, available }),

    async place(order: PlaceOrder): Promise<string> {
      const auth = await token(order.customerId, 'orders:write orders:read');
      const res = await fetch(`${system.apiUrl}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      if (res.status !== 202) throw new Error(`POST /orders: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { orderId: string }).orderId;
    },

    /** Reads the projected order until it reaches a final status. */
    async final(orderId: string, timeoutMs = 90_000): Promise<OrderView> {
      const done: OrderStatus[] = ['COMPLETED', 'CANCELLED', 'COMPENSATION_FAILED'];
      const deadline = Date.now() + timeoutMs;
      let version = 1;
      for (;;) {
        const view = await call<OrderView>(
          'GET',
          `/orders/${orderId}?minVersion=${version}&timeoutMs=5000`,
        );
        if (done.includes(view.status)) return view;
        if (Date.now() > deadline) throw new Error(`order ${orderId} stuck at ${view.status}`);
        version = view.version + 1;
      }
    },
  };
}

/** A valid `POST /orders` body: one KETTLE, paid with `tok_ok`, shipped to the Netherlands. */
export const sampleOrder = (
  customerId: string,
  overrides: Partial<PlaceOrder> = {},
): PlaceOrder => ({
  customerId,
  items: [{ sku: 'KETTLE', quantity: 1 }],
  currency: 'EUR',
  paymentToken: 'tok_ok',
  shippingAddress: {
    name: 'Ada Tracewell',
    line1: '42 Observability Lane',
    city: 'Amsterdam',
    postalCode: '1011AA',
    country: 'NL',
  },
  ...overrides,
});
