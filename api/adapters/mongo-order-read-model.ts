import type { Db } from 'mongodb';
import { OrderView } from '../../contracts/read-models';
import { createReadModelReader } from '../../projections/store/read-model-reader';
import type { ListOrdersQuery, OrderPage, OrderReadModel } from '../ports';
import { mongoCall } from './mongo-errors';

/**
 * The `orders` read model, through the read side's own reader (which follows the projector's
 * pointer, so a rebuilt generation of collections is picked up without a restart).
 */
export function createMongoOrderReadModel(db: Db, now: () => number = Date.now): OrderReadModel {
  const reader = createReadModelReader(db, { now });

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
  };
}

/** Parsing with the contract schema keeps only what clients were promised. */
function toView(doc: OrderView): OrderView {
  const parsed = OrderView.safeParse(doc);
  if (parsed.success) return parsed.data;
  // A document the contract does not describe is a projector bug: fail loudly (a logged 500)
  // rather than serve a shape clients were never promised.
  throw new Error(
    `orders document ${String(doc.orderId)} does not match OrderView: ${parsed.error.message}`,
  );
}
