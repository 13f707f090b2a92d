import type { Db } from 'mongodb';
import { CustomerStats, OrderView, SkuSales } from '../../contracts/read-models';
import type { z } from 'zod';
import { createReadModelReader } from '../../projections/store/read-model-reader';
import type { ListOrdersQuery, OrderPage, OrderReadModel } from '../ports';
import { createOrderViewCache } from '../reads/order-view-cache';
import { mongoCall } from './mongo-errors';

/**
 * The read models (`orders`, `customer_stats`, `sku_sales`), through the read side's own reader
 * (which follows the projector's pointer, so a rebuilt generation of collections is picked up
 * without a restart).
 */
export function createMongoOrderReadModel(db: Db, now: () => number = Date.now): OrderReadModel {
  const reader = createReadModelReader(db, { now });
  // Each version of an order is parsed once (api/reads/order-view-cache.ts).
  const toView = createOrderViewCache((doc) => parsed(OrderView, doc, 'orders', doc.orderId), {
    now,
  });

  return {
    get: (orderId) =>
      mongoCall(async () => {
        const doc = await reader.getOrder(orderId);
        return doc ? toView(doc) : null;
      }),

    getMany: (orderIds) =>
      mongoCall(async () => {
        const docs = await reader.getOrders(orderIds);
        return new Map(docs.map((doc) => [doc.orderId, toView(doc)]));
      }),

    list: (query: ListOrdersQuery) =>
      mongoCall(async (): Promise<OrderPage> => {
        // One more than asked tells whether another page exists.
        const docs = await reader.listOrders({ ...query, limit: query.limit + 1 });
        const items = docs.slice(0, query.limit).map(toView);
        const last = items[items.length - 1];
        return docs.length > query.limit && last
          ? { items, next: { createdAt: last.createdAt, orderId: last.orderId } }
          : { items };
      }),

    customerStats: (customerId) =>
      mongoCall(async () => {
        const doc = await reader.getCustomerStats(customerId);
        return doc ? parsed(CustomerStats, doc, 'customer_stats', customerId) : null;
      }),

    skuSales: (sku) =>
      mongoCall(async () => {
        const doc = await reader.getSkuSales(sku);
        return doc ? parsed(SkuSales, doc, 'sku_sales', sku) : null;
      }),

    topSkuSales: (limit) =>
      mongoCall(async () =>
        (await reader.topSkuSales(limit)).map((doc) => parsed(SkuSales, doc, 'sku_sales', doc.sku)),
      ),
  };
}

/** Parsing with the contract schema keeps only what clients were promised. */
function parsed<T>(schema: z.ZodType<T>, doc: unknown, collection: string, id: unknown): T {
  const result = schema.safeParse(doc);
  if (result.success) return result.data;
  // A document the contract does not describe is a projector bug: fail loudly (a logged 500)
  // rather than serve a shape clients were never promised.
  throw new Error(
    `${collection} document ${String(id)} does not match its contract: ${result.error.message}`,
  );
}
