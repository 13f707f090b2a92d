import { FINAL_ORDER_STATUSES } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';

/** Orders one partition remembers before it starts over. */
const KNOWN_ORDERS_LIMIT = 10_000;

/**
 * The order documents each source partition's chunks last read or wrote, so a chunk whose
 * orders are all known skips the find that loads them. That is one round trip of most chunks: a
 * saga publishes an order's events one step at a time, so each usually arrives in a chunk of its
 * own, and only the first needs the stored document.
 *
 * Known under the rules of the known aggregate documents (known-documents.ts): a document read or
 * written by a chunk becomes known only once that chunk has recorded its position (`settle`), so
 * the position check before every later chunk sees any loss of it too, and a partition forgets
 * its orders when it rewinds, when it is assigned to this instance again (another instance may
 * have written them meanwhile), and when any operation fails. An order that reaches a final
 * status is forgotten (nothing usually follows), and a partition starts over past
 * KNOWN_ORDERS_LIMIT; a miss only costs the find.
 */
export interface KnownOrders {
  /** What `partition` knows of `orderIds`, and the ids it must read. */
  lookUp(
    partition: number,
    orderIds: readonly string[],
  ): { known: Map<string, OrderView>; missing: string[] };
  /** Starts a chunk of `partition`: what an earlier chunk staged and did not settle is dropped. */
  begin(partition: number): void;
  /** Documents the chunk of `partition` read or wrote, as stored. */
  stage(partition: number, docs: Iterable<OrderView>): void;
  /** The chunk of `partition` recorded its position: what it staged is known. */
  settle(partition: number): void;
  forget(partition: number): void;
  clear(): void;
}

export function createKnownOrders(limit = KNOWN_ORDERS_LIMIT): KnownOrders {
  const known = new Map<number, Map<string, OrderView>>();
  const staged = new Map<number, Map<string, OrderView>>();
  return {
    lookUp(partition, orderIds) {
      const docs = known.get(partition);
      const found = new Map<string, OrderView>();
      const missing: string[] = [];
      for (const id of orderIds) {
        const doc = docs?.get(id);
        if (doc) found.set(id, doc);
        else missing.push(id);
      }
      return { known: found, missing };
    },
    begin: (partition) => void staged.set(partition, new Map<string, OrderView>()),
    stage(partition, docs) {
      let chunk = staged.get(partition);
      if (!chunk) staged.set(partition, (chunk = new Map<string, OrderView>()));
      for (const doc of docs) chunk.set(doc.orderId, doc);
    },
    settle(partition) {
      const chunk = staged.get(partition);
      staged.delete(partition);
      if (!chunk) return;
      let docs = known.get(partition);
      if (!docs || docs.size >= limit) known.set(partition, (docs = new Map<string, OrderView>()));
      for (const [id, doc] of chunk) {
        if (FINAL_ORDER_STATUSES.includes(doc.status)) docs.delete(id);
        else docs.set(id, doc);
      }
    },
    forget(partition) {
      known.delete(partition);
      staged.delete(partition);
    },
    clear() {
      known.clear();
      staged.clear();
    },
  };
}
