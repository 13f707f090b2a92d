import type {
  Abortable,
  AnyBulkWriteOperation,
  BulkWriteOptions,
  Db,
  Document,
  UpdateOptions,
  WriteError,
} from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import type { OrderView } from '../../contracts/read-models';
import { withDeadline } from '../../lib/deadline';
import type { CustomerStatsDelta, SkuSalesDelta } from '../fold/aggregates';
import type { AggregateOp } from '../fold/plan-batch';
import type { ReadModelNames } from './pointers';
import { DUPLICATE_KEY_CODE } from '../../lib/mongo-duplicate-key';

// The only code that knows how read models sit in MongoDB. It uses nothing FerretDB lacks:
// single-document updates with $inc/$set/$setOnInsert/$max, upserts, unique _id, `$in` on _id,
// bulkWrite.

/** The projector's port to its store; plan-batch.ts explains the guards it must implement. */
export interface ProjectionStore {
  loadOrders(orderIds: readonly string[]): Promise<Map<string, OrderView>>;
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
  /** Replaces each order whose stored version is older (or inserts it). */
  writeOrders(docs: readonly OrderView[]): Promise<void>;
  /**
   * Forgets which aggregate documents `partition`'s chunks know to exist, so its next chunk
   * checks again: the read model may have lost writes (the projector calls it when it rewinds
   * the partition).
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

/** Per-partition idempotency marks on aggregate documents; never served by the API. */
const APPLIED_OFFSETS_FIELD = 'appliedOffsets';
const markPath = (partition: number) => `${APPLIED_OFFSETS_FIELD}.p${partition}`;

/** Read-model documents are keyed by domain ids (strings), not ObjectIds. */
interface Doc extends Document {
  _id: string;
}

/** Aggregate documents one partition remembers per collection before it starts over. */
const KNOWN_DOCUMENTS_LIMIT = 100_000;

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

/**
 * One bulk write per list: the driver splits a list larger than the server's batch limits
 * itself, in order for an ordered list.
 */
async function bulk(
  db: Db,
  collection: string,
  ops: AnyBulkWriteOperation<Doc>[],
  ordered: boolean,
  signal: AbortSignal,
): Promise<void> {
  if (ops.length === 0) return; // the driver refuses an empty bulk write
  // The driver honours `signal` on writes too (it closes the connection), although its types
  // list it for reads only; the caller's deadline holds either way.
  const options: BulkWriteOptions & Abortable = { ordered, signal };
  await db.collection<Doc>(collection).bulkWrite(ops, options);
}

/**
 * True only for a bulk write that the server executed and whose failures are all duplicate
 * keys. The driver also reports a connection that closed mid-write, or a server it could not
 * select, as a MongoBulkWriteError, with no write errors at all: that write did not happen.
 */
export function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const list: readonly WriteError[] = ([] as WriteError[]).concat(error.writeErrors ?? []);
  return list.length > 0 && list.every((e) => e.code === DUPLICATE_KEY_CODE);
}

/**
 * Runs an unordered bulk write, treating duplicate-key errors as "the document is there
 * already": an orders upsert whose version filter did not match collides with the newer stored
 * document, an aggregate document was created by another instance first. Any other error is
 * thrown, so the chunk is not committed and is read again.
 */
async function bulkIgnoringDuplicates(
  db: Db,
  collection: string,
  ops: AnyBulkWriteOperation<Doc>[],
  signal: AbortSignal,
): Promise<void> {
  try {
    await bulk(db, collection, ops, false, signal);
  } catch (error) {
    // Unordered: every operation was attempted, so the errors list all that failed.
    if (!onlyDuplicateKeys(error)) throw error;
  }
}

/**
 * An aggregate delta as the documents it needs (with their initial values) and guarded `$inc`s
 * that then never need an upsert (an upsert whose guard fails would insert a duplicate _id).
 *
 * Both are sorted by document id, offsets kept in order per document (all the marks need).
 * FerretDB 2 keeps the row locks of a bulk command's earlier updates while it runs the later
 * ones, so two instances whose bulk writes meet shared documents in different orders deadlock
 * (PostgreSQL aborts one: "deadlock detected"); one order for everyone rules that out.
 */
function aggregateOps(
  partition: number,
  ops: readonly { id: string; offset: string; inc: Record<string, number> }[],
  initial: (id: string) => Record<string, unknown>,
): { documents: Doc[]; increments: AnyBulkWriteOperation<Doc>[] } {
  const sorted = [...ops].sort((a, b) => byId(a.id, b.id)); // stable: offsets stay in order
  const documents = [...new Set(sorted.map((op) => op.id))].map((id) => ({
    _id: id,
    ...initial(id),
  }));
  const increments: AnyBulkWriteOperation<Doc>[] = sorted.map((op) => {
    const offset = Number(op.offset);
    return {
      updateOne: {
        // `$not: {$gte}` also matches a document that has no mark for this partition yet.
        filter: { _id: op.id, [markPath(partition)]: { $not: { $gte: offset } } },
        update: { $inc: op.inc, $set: { [markPath(partition)]: offset } },
      },
    };
  });
  return { documents, increments };
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
  const positions = db.collection<PositionDoc>(POSITIONS_COLLECTION);
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  // Aggregate documents known to exist, per source partition and collection: aggregate
  // documents are never deleted, so a chunk whose documents are all known skips createMissing's
  // find (one round trip of most chunks). A database that loses acknowledged writes may have lost
  // one; each partition knows only documents it created or found in a chunk whose position it
  // then recorded, so that position's check sees the same loss, and the projector calls
  // forgetKnownDocuments(partition) when it rewinds. (Shared across partitions, a document known
  // through one would be skipped for another whose own position shows nothing.) Every set is
  // also emptied when an operation fails, and when it grows past KNOWN_DOCUMENTS_LIMIT.
  const known = new Map<string, Set<string>>();
  const knownIn = (partition: number, collection: string) => {
    const key = `${partition}|${collection}`;
    let set = known.get(key);
    if (!set || set.size >= KNOWN_DOCUMENTS_LIMIT) known.set(key, (set = new Set()));
    return set;
  };
  // Every operation is bounded, so a request the server never answers fails the chunk (which
  // is then read again) instead of holding its partition for ever. Whatever a timed-out write
  // still does on the server later is harmless: every write here is guarded (versions, offset
  // marks, $max), so a late one is a no-op or the same bytes.
  const bounded = <T>(what: string, work: (signal: AbortSignal) => Promise<T>) =>
    withDeadline(what, timeoutMs, work).catch((error: unknown) => {
      known.clear();
      throw error;
    });

  return {
    loadOrders: (orderIds) =>
      bounded('loading orders', async (signal) => {
        const found = new Map<string, OrderView>();
        if (orderIds.length === 0) return found;
        const docs = await db
          .collection<{ _id: string } & OrderView>(names.orders)
          .find({ _id: { $in: [...orderIds] } }, { signal })
          .toArray();
        for (const { _id, ...view } of docs) found.set(_id, view);
        return found;
      }),

    loadPosition: (partition) =>
      bounded('loading the position', async (signal) => {
        const doc = await positions.findOne(
          { _id: positionId(source.groupId, source.topic, partition) },
          { signal },
        );
        return doc ? doc.next : null;
      }),

    savePosition: (partition, next) =>
      bounded('saving the position', async (signal) => {
        // One writer per partition at a time (the consumer group's assignment); $max keeps a
        // stale instance finishing a chunk during a rebalance from moving it back.
        const upsert: UpdateOptions & Abortable = { upsert: true, signal };
        await positions.updateOne(
          { _id: positionId(source.groupId, source.topic, partition) },
          {
            $max: { next },
            $setOnInsert: { groupId: source.groupId, topic: source.topic, partition },
          },
          upsert,
        );
      }),

    applyAggregates: (partition, customerOps, skuOps) =>
      bounded('writing aggregates', (signal) =>
        applyAggregates(partition, customerOps, skuOps, signal),
      ),

    forgetKnownDocuments: (partition) => {
      for (const key of [...known.keys()]) {
        if (key.startsWith(`${partition}|`)) known.delete(key);
      }
    },

    writeOrders: (docs) =>
      bounded('writing orders', (signal) =>
        bulkIgnoringDuplicates(
          db,
          names.orders,
          // In one order for every instance, as the aggregates (see aggregateOps).
          [...docs]
            .sort((a, b) => byId(a.orderId, b.orderId))
            .map((doc) => ({
              replaceOne: {
                filter: { _id: doc.orderId, version: { $lt: doc.version } },
                replacement: { _id: doc.orderId, ...doc },
                upsert: true,
              },
            })),
          signal,
        ),
      ),
  };

  /**
   * Several instances (other partitions, same customers and SKUs) write the same documents
   * at once: each guarded `$inc` is one single-document update, atomic on the server, so
   * nothing serialises them here.
   */
  async function applyAggregates(
    partition: number,
    customerOps: readonly AggregateOp<CustomerStatsDelta>[],
    skuOps: readonly AggregateOp<SkuSalesDelta>[],
    signal: AbortSignal,
  ): Promise<void> {
    const customers = aggregateOps(
      partition,
      customerOps.map(({ offset, delta }) => ({
        id: delta.customerId,
        offset,
        inc: {
          totalSpent: delta.totalSpent,
          ...Object.fromEntries(
            Object.entries(delta.ordersByStatus).map(([status, n]) => [
              `ordersByStatus.${status}`,
              n,
            ]),
          ),
        },
      })),
      (customerId) => ({ customerId, ordersByStatus: {}, totalSpent: 0 }),
    );
    const skus = aggregateOps(
      partition,
      skuOps.map(({ offset, delta }) => ({
        id: delta.sku,
        offset,
        inc: { unitsSold: delta.unitsSold, revenue: delta.revenue },
      })),
      (sku) => ({ sku, unitsSold: 0, revenue: 0 }),
    );
    const written = await Promise.allSettled(
      (
        [
          [names.customerStats, customers],
          [names.skuSales, skus],
        ] as const
      ).map(async ([collection, { documents, increments }]) => {
        await createMissing(partition, collection, documents, signal);
        // Ordered: the marks rely on offsets being applied in increasing order per document.
        await bulk(db, collection, increments, true, signal);
      }),
    );
    // Settled both before failing, so no write of this attempt overlaps the chunk's retry.
    const failed = written.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Inserts the documents that do not exist yet. Plain inserts, not upserts: on FerretDB 2.5,
   * when instances upsert the same new document at once, it can end up without the increments
   * (and the offset mark) one of them applied meanwhile. Measured with four writers racing
   * over fresh documents: 3 or 4 documents short by 5 to 15 increments per 8 runs with
   * upserts, none in 24 runs with inserts. An insert that finds the document created
   * meanwhile fails with a duplicate key: it exists.
   */
  async function createMissing(
    partition: number,
    collection: string,
    documents: Doc[],
    signal: AbortSignal,
  ) {
    const knownIds = knownIn(partition, collection);
    const unknown = documents.filter((d) => !knownIds.has(d._id));
    if (unknown.length === 0) return;
    const existing = await db
      .collection<Doc>(collection)
      .find({ _id: { $in: unknown.map((d) => d._id) } }, { projection: { _id: 1 }, signal })
      .toArray();
    const found = new Set(existing.map((d) => d._id));
    await bulkIgnoringDuplicates(
      db,
      collection,
      unknown.filter((d) => !found.has(d._id)).map((document) => ({ insertOne: { document } })),
      signal,
    );
    for (const d of unknown) knownIds.add(d._id);
  }
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
