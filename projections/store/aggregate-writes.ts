import type { AnyBulkWriteOperation, Db } from 'mongodb';
import type { CustomerStatsDelta, SkuSalesDelta } from '../fold/aggregates';
import type { AggregateOp } from '../fold/plan-batch';
import { bulk, bulkIgnoringDuplicates, byId, type Doc } from './bulk-writes';
import type { KnownDocuments } from './known-documents';
import type { ReadModelNames } from './pointers';

/** Per-partition idempotency marks on aggregate documents; never served by the API. */
const APPLIED_OFFSETS_FIELD = 'appliedOffsets';
const markPath = (partition: number) => `${APPLIED_OFFSETS_FIELD}.p${partition}`;

interface AggregateIncrement {
  id: string;
  offset: string;
  inc: Record<string, number>;
}

const guardedIncrement = (
  partition: number,
  id: string,
  fromOffset: number,
  toOffset: number,
  inc: Record<string, number>,
): AnyBulkWriteOperation<Doc> => ({
  updateOne: {
    // `$not: {$gte}` also matches a document that has no mark for this partition yet.
    filter: { _id: id, [markPath(partition)]: { $not: { $gte: fromOffset } } },
    update: { $inc: inc, $set: { [markPath(partition)]: toOffset } },
  },
});

/** The sum of increments, field by field. */
function summed(incs: readonly Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const inc of incs) {
    for (const [field, n] of Object.entries(inc)) sum[field] = (sum[field] ?? 0) + n;
  }
  return sum;
}

/**
 * A mark says which of a partition's increments a document has: exactly those at or below it
 * (they are applied in offset order). So a chunk's increments of one document are one update
 * when its mark is below the first of them (the common case: none of them applied yet), and
 * one update per event otherwise (a redelivered chunk that overlaps what was applied: each is
 * applied only if its own offset is above the mark). Either keeps that rule.
 */
interface AggregateUpdates {
  /** One guarded `$inc` per document: the sum of the chunk's increments, from its first offset. */
  perDocument: AnyBulkWriteOperation<Doc>[];
  /** One guarded `$inc` per event, for documents the per-document update did not match. */
  perEvent: AnyBulkWriteOperation<Doc>[];
}

/**
 * An aggregate delta as the documents it needs (with their initial values) and guarded `$inc`s
 * that then never need an upsert (an upsert whose guard fails would insert a duplicate _id).
 *
 * All sorted by document id, offsets kept in order per document (all the marks need).
 * FerretDB 2 keeps the row locks of a bulk command's earlier updates while it runs the later
 * ones, so two instances whose bulk writes meet shared documents in different orders deadlock
 * (PostgreSQL aborts one: "deadlock detected"); one order for everyone rules that out.
 */
function aggregateOps(
  partition: number,
  ops: readonly AggregateIncrement[],
  initial: (id: string) => Record<string, unknown>,
): { documents: Doc[] } & AggregateUpdates {
  const sorted = [...ops].sort((a, b) => byId(a.id, b.id)); // stable: offsets stay in order
  const byDocument = new Map<string, AggregateIncrement[]>();
  for (const op of sorted) {
    const list = byDocument.get(op.id);
    if (list) list.push(op);
    else byDocument.set(op.id, [op]);
  }
  const documents = [...byDocument.keys()].map((id) => ({ _id: id, ...initial(id) }));
  const perDocument = [...byDocument].map(([id, list]) =>
    guardedIncrement(
      partition,
      id,
      Number(list[0].offset),
      Number(list[list.length - 1].offset),
      summed(list.map((op) => op.inc)),
    ),
  );
  const perEvent = sorted.map((op) =>
    guardedIncrement(partition, op.id, Number(op.offset), Number(op.offset), op.inc),
  );
  return { documents, perDocument, perEvent };
}

const customerIncrement = ({
  offset,
  delta,
}: AggregateOp<CustomerStatsDelta>): AggregateIncrement => ({
  id: delta.customerId,
  offset,
  inc: {
    totalSpent: delta.totalSpent,
    ...Object.fromEntries(
      Object.entries(delta.ordersByStatus).map(([status, n]) => [`ordersByStatus.${status}`, n]),
    ),
  },
});

const skuIncrement = ({ offset, delta }: AggregateOp<SkuSalesDelta>): AggregateIncrement => ({
  id: delta.sku,
  offset,
  inc: { unitsSold: delta.unitsSold, revenue: delta.revenue },
});

/** Writes the aggregates of one chunk of one partition. */
export interface AggregateWriter {
  (
    partition: number,
    customerOps: readonly AggregateOp<CustomerStatsDelta>[],
    skuOps: readonly AggregateOp<SkuSalesDelta>[],
    signal: AbortSignal,
  ): Promise<void>;
}

/**
 * Several instances (other partitions, same customers and SKUs) write the same documents
 * at once: each guarded `$inc` is one single-document update, atomic on the server, so
 * nothing serialises them here.
 */
export function createAggregateWriter(
  db: Db,
  names: ReadModelNames,
  known: KnownDocuments,
): AggregateWriter {
  return async (partition, customerOps, skuOps, signal) => {
    const customers = aggregateOps(partition, customerOps.map(customerIncrement), (customerId) => ({
      customerId,
      ordersByStatus: {},
      totalSpent: 0,
    }));
    const skus = aggregateOps(partition, skuOps.map(skuIncrement), (sku) => ({
      sku,
      unitsSold: 0,
      revenue: 0,
    }));
    const written = await Promise.allSettled(
      (
        [
          [names.customerStats, customers],
          [names.skuSales, skus],
        ] as const
      ).map(async ([collection, { documents, ...updates }]) => {
        await createMissing(db, collection, documents, known.in(partition, collection), signal);
        await increment(db, collection, updates, signal);
      }),
    );
    // Settled both before failing, so no write of this attempt overlaps the chunk's retry.
    const failed = written.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
}

/**
 * One update per document; only when some document did not match (its mark is at or past the
 * chunk's first offset for it: a redelivery, or a document the database lost) a second round
 * trip with one update per event, which applies exactly those above each mark.
 */
async function increment(
  db: Db,
  collection: string,
  { perDocument, perEvent }: AggregateUpdates,
  signal: AbortSignal,
): Promise<void> {
  // Ordered, here and below: the marks rely on offsets being applied in increasing order.
  const result = await bulk(db, collection, perDocument, true, signal);
  if (!result || result.matchedCount === perDocument.length) return;
  await bulk(db, collection, perEvent, true, signal);
}

/**
 * Inserts the documents this partition does not know yet. Plain inserts, not upserts: on
 * FerretDB 2.5, when instances upsert the same new document at once, it can end up without the
 * increments (and the offset mark) one of them applied meanwhile (measured: docs/operations.md,
 * "Incident notes"). An insert that meets an existing document fails with a duplicate key and
 * changes nothing: it exists. So no find first: one round trip instead of two, whether the
 * documents exist or not (the unordered bulk attempts every insert, bulk-writes.ts).
 */
async function createMissing(
  db: Db,
  collection: string,
  documents: Doc[],
  knownIds: Set<string>,
  signal: AbortSignal,
): Promise<void> {
  const unknown = documents.filter((d) => !knownIds.has(d._id));
  if (unknown.length === 0) return;
  await bulkIgnoringDuplicates(
    db,
    collection,
    unknown.map((document) => ({ insertOne: { document } })),
    signal,
  );
  for (const d of unknown) knownIds.add(d._id);
}
