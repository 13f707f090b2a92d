import type { Abortable, Db, UpdateOptions } from 'mongodb';
import type { OrderView } from '../../contracts/read-models';
import { withDeadline } from '../../lib/deadline';
import type { CustomerStatsDelta, SkuSalesDelta } from '../fold/aggregates';
import type { AggregateOp } from '../fold/plan-batch';
import { createAggregateWriter } from './aggregate-writes';
import { bulkIgnoringDuplicates, byId } from './bulk-writes';
import { createKnownDocuments } from './known-documents';
import { createKnownOrders } from './known-orders';
import type { ReadModelNames } from './pointers';

export { onlyDuplicateKeys } from './bulk-writes';

// The only code that knows how read models sit in MongoDB (with aggregate-writes.ts and
// bulk-writes.ts). It uses nothing FerretDB lacks: single-document updates with
// $inc/$set/$setOnInsert/$max, upserts, unique _id, `$in` on _id, bulkWrite.

/** The projector's port to its store; plan-batch.ts explains the guards it must implement. */
export interface ProjectionStore {
  /**
   * The stored documents of the orders (absent: not projected yet) a chunk of `partition`
   * mentions; starts the chunk.
   */
  loadOrders(partition: number, orderIds: readonly string[]): Promise<Map<string, OrderView>>;
  /**
   * The read model's own position in `partition`: the offset below which every event's effects
   * are in the read model, as recorded by savePosition; null when nothing was recorded.
   */
  loadPosition(partition: number): Promise<number | null>;
  /** Records the position after a chunk's writes; never moves it back. */
  savePosition(partition: number, next: number): Promise<void>;
  /** Applies each op once per (document, partition, offset); ops are in offset order. */
  applyAggregates(
    partition: number,
    customerOps: readonly AggregateOp<CustomerStatsDelta>[],
    skuOps: readonly AggregateOp<SkuSalesDelta>[],
  ): Promise<void>;
  /** Replaces each order of `partition` whose stored version is older (or inserts it). */
  writeOrders(partition: number, docs: readonly OrderView[]): Promise<void>;
  /**
   * Forgets what `partition`'s chunks know of the read model (which aggregate documents exist,
   * the order documents they read and wrote), so its next chunk reads them again: the read
   * model may have lost writes (the projector calls it when it rewinds the partition), or
   * another instance may have written them (when the partition is assigned to it again).
   */
  forgetKnownDocuments(partition: number): void;
}

/**
 * The read models' positions, one document per consumer group, topic and partition, in the
 * read database itself: a write the database loses takes the later position writes with it.
 */
export const POSITIONS_COLLECTION = 'projection_positions';
export const positionId = (groupId: string, topic: string, partition: number): string =>
  `${groupId}|${topic}|${partition}`;

/** What the read models were folded from: the position documents are keyed by it. */
export interface ProjectionSource {
  groupId: string;
  topic: string;
}

/** Default of StoreOptions.operationTimeoutMs. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 60_000;

export interface StoreOptions {
  /**
   * Longest one database operation may take; past it the operation fails, and the chunk with
   * it, to be read again. The driver's socketTimeoutMS is no such bound: a command the server
   * stops reading waits for the socket to drain, with no timer at all (mongodb 7.9, whose
   * `timeoutMS` has no effect).
   */
  operationTimeoutMs?: number;
}

interface PositionDoc {
  _id: string;
  groupId: string;
  topic: string;
  partition: number;
  next: number;
}

export function createMongoProjectionStore(
  db: Db,
  names: ReadModelNames,
  source: ProjectionSource,
  options: StoreOptions = {},
): ProjectionStore {
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const known = createKnownDocuments();
  const knownOrders = createKnownOrders();
  // Every operation is bounded, so a request the server never answers fails the chunk (which
  // is then read again) instead of holding its partition for ever. Whatever a timed-out write
  // still does on the server later is harmless: every write here is guarded (versions, offset
  // marks, $max), so a late one is a no-op or the same bytes.
  const bounded = <T>(what: string, work: (signal: AbortSignal) => Promise<T>) =>
    withDeadline(what, timeoutMs, work).catch((error: unknown) => {
      known.clear();
      knownOrders.clear();
      throw error;
    });
  const positions = createPositions(db, source);
  const writeAggregates = createAggregateWriter(db, names, known);
  return {
    async loadOrders(partition, orderIds) {
      knownOrders.begin(partition);
      const { known: found, missing } = knownOrders.lookUp(partition, orderIds);
      // Only orders this partition does not know yet cost a round trip (known-orders.ts).
      if (missing.length === 0) return found;
      const loaded = await bounded('loading orders', (signal) =>
        loadOrders(db, names.orders, missing, signal),
      );
      knownOrders.stage(partition, loaded.values());
      for (const [id, doc] of loaded) found.set(id, doc);
      return found;
    },
    loadPosition: (partition) =>
      bounded('loading the position', (signal) => positions.load(partition, signal)),
    async savePosition(partition, next) {
      await bounded('saving the position', (signal) => positions.save(partition, next, signal));
      knownOrders.settle(partition);
    },
    applyAggregates: (partition, customerOps, skuOps) =>
      bounded('writing aggregates', (signal) =>
        writeAggregates(partition, customerOps, skuOps, signal),
      ),
    forgetKnownDocuments(partition) {
      known.forget(partition);
      knownOrders.forget(partition);
    },
    async writeOrders(partition, docs) {
      const written = await bounded('writing orders', (signal) =>
        writeOrders(db, names.orders, docs, signal),
      );
      knownOrders.stage(partition, written);
    },
  };
}

async function loadOrders(
  db: Db,
  collection: string,
  orderIds: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, OrderView>> {
  const found = new Map<string, OrderView>();
  if (orderIds.length === 0) return found;
  const docs = await db
    .collection<{ _id: string } & OrderView>(collection)
    .find({ _id: { $in: [...orderIds] } }, { signal })
    .toArray();
  for (const { _id, ...view } of docs) found.set(_id, view);
  return found;
}

/**
 * Replaces each order whose stored version is older, or inserts it; returns the documents it
 * wrote (not those a newer stored version kept out).
 */
async function writeOrders(
  db: Db,
  collection: string,
  docs: readonly OrderView[],
  signal: AbortSignal,
): Promise<OrderView[]> {
  // In one order for every instance, as the aggregates (see aggregate-writes.ts).
  const sorted = [...docs].sort((a, b) => byId(a.orderId, b.orderId));
  const kept = await bulkIgnoringDuplicates(
    db,
    collection,
    sorted.map((doc) => ({
      replaceOne: {
        filter: { _id: doc.orderId, version: { $lt: doc.version } },
        replacement: { _id: doc.orderId, ...doc },
        upsert: true,
      },
    })),
    signal,
  );
  return sorted.filter((_, index) => !kept.has(index));
}

/** The read model's positions of `source`'s partitions. */
function createPositions(db: Db, source: ProjectionSource) {
  const positions = db.collection<PositionDoc>(POSITIONS_COLLECTION);
  const idOf = (partition: number) => positionId(source.groupId, source.topic, partition);
  return {
    async load(partition: number, signal: AbortSignal): Promise<number | null> {
      const doc = await positions.findOne({ _id: idOf(partition) }, { signal });
      return doc ? doc.next : null;
    },
    async save(partition: number, next: number, signal: AbortSignal): Promise<void> {
      // One writer per partition at a time (the consumer group's assignment); $max keeps a
      // stale instance finishing a chunk during a rebalance from moving it back.
      const upsert: UpdateOptions & Abortable = { upsert: true, signal };
      await positions.updateOne(
        { _id: idOf(partition) },
        {
          $max: { next },
          $setOnInsert: { groupId: source.groupId, topic: source.topic, partition },
        },
        upsert,
      );
    },
  };
}

/** Indexes the API's queries need; idempotent. */
export async function ensureReadModelIndexes(
  db: Db,
  names: ReadModelNames,
  timeoutMs = DEFAULT_OPERATION_TIMEOUT_MS,
): Promise<void> {
  await withDeadline('creating read-model indexes', timeoutMs, async () => {
    await db.collection(names.orders).createIndex({ customerId: 1, createdAt: -1 });
    await db.collection(names.orders).createIndex({ status: 1, updatedAt: -1 });
    // Support's lists (GET /orders without customerId): newest first, ties by orderId, with or
    // without a status (projections/store/read-model-reader.ts listOrders).
    await db.collection(names.orders).createIndex({ createdAt: -1, orderId: -1 });
    await db.collection(names.orders).createIndex({ status: 1, createdAt: -1, orderId: -1 });
    await db.collection(names.skuSales).createIndex({ revenue: -1 });
  });
}
