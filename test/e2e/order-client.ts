import type { PlaceOrder } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { ApiClient, sampleOrder } from '../chaos/api-client';
import type { TestSystem } from './system';

// A client's view of a test system, for the end-to-end and observability tests: stock a SKU,
// place an order, read it until the saga has finished. Built on the one API client of the tests
// that call the API from outside (test/chaos/api-client.ts).

export { sampleOrder };

/** The API client of `system`, with its token and webhook secrets. */
export const apiClientOf = (system: TestSystem): ApiClient =>
  new ApiClient(system.apiUrl, system.jwtSecret, system.webhookSecret);

export function orderClient(system: TestSystem) {
  const api = apiClientOf(system);
  return {
    api,
    stock: (sku: string, unitPrice: number, available: number) =>
      api.putSku(sku, available, unitPrice),

    async place(order: PlaceOrder): Promise<string> {
      const { status, orderId, reply } = await api.placeOrder(order);
      if (status !== 202 || orderId === undefined)
        throw new Error(`POST /orders: ${status} ${reply.text}`);
      return orderId;
    },

    /** Reads the projected order until it reaches a final status. */
    final: (orderId: string, timeoutMs = 90_000): Promise<OrderView> =>
      api.finalOrder(orderId, timeoutMs),
  };
}
