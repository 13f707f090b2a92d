import type { Db, Filter } from 'mongodb';
import { OrderView } from '../../contracts/read-models';
import { readActiveReadModels } from '../../projections/store/pointers';
import type { ListOrdersQuery, OrderPage, OrderReadModel } from '../ports';
import { mongoCall } from './mongo-errors';

type OrderDoc = { _id: string } & OrderView;

/** A rebuild flips the pointer rarely; re-reading it every few seconds is fresh enough. */
const POINTER_TTL_MS = 2000;

/**
 * The `orders` read model, read through the projector's pointer document so a rebuilt
 * generation of collections is picked up without a restart.
 */
export function createMongoOrderReadModel(db: Db, now: () => number = Date.now): OrderReadModel {
  let cached: { name: string; at: number } | undefined;
  async function orders() {
    if (!cached || now() - cached.at > POINTER_TTL_MS) {
      cached = { name: (await readActiveReadModels(db)).collections.orders, at: now() };
    }
    return db.collection<OrderDoc>(cached.name);
  }

  return {
    get: (orderId) =>
      mongoCall(async () => {
        const doc = await (await orders()).findOne({ _id: orderId });
        return doc ? toView(doc) : null;
      }),

    list: (query: ListOrdersQuery) =>
      mongoCall(async (): Promise<OrderPage> => {
        const filter: Filter<OrderDoc> = {};
        if (query.customerId !== undefined) filter.customerId = query.customerId;
        if (query.status !== undefined) filter.status = query.status;
        if (query.after) {
          const { createdAt, orderId } = query.after;
          filter.$or = [
            { createdAt: { $lt: createdAt } },
            { createdAt, orderId: { $lt: orderId } },
          ];
        }
        // One more than asked tells whether another page exists.
        const docs = await (
          await orders()
        )
          .find(filter)
          .sort({ createdAt: -1, orderId: -1 })
          .limit(query.limit + 1)
          .toArray();
        const items = docs.slice(0, query.limit).map(toView);
        const last = items[items.length - 1];
        return docs.length > query.limit && last
          ? { items, next: { createdAt: last.createdAt, orderId: last.orderId } }
          : { items };
      }),
  };
}

/** Parsing with the contract schema drops storage fields (_id, projector bookkeeping). */
function toView(doc: OrderDoc): OrderView {
  const parsed = OrderView.safeParse(doc);
  if (parsed.success) return parsed.data;
  // A document the contract does not describe is a projector bug: fail loudly (a logged 500)
  // rather than serve a shape clients were never promised.
  throw new Error(`orders document ${doc._id} does not match OrderView: ${parsed.error.message}`);
}
