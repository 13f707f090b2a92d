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
  ops: readonly AggregateIncrement[],
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
      ).map(async ([collection, { documents, increments }]) => {
        await createMissing(db, collection, documents, known.in(partition, collection), signal);
        // Ordered: the marks rely on offsets being applied in increasing order per document.
        await bulk(db, collection, increments, true, signal);
      }),
    );
    // Settled both before failing, so no write of this attempt overlaps the chunk's retry.
    const failed = written.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
}

/**
 * Inserts the documents that do not exist yet. Plain inserts, not upserts: on FerretDB 2.5, when
 * instances upsert the same new document at once, it can end up without the increments (and the
 * offset mark) one of them applied meanwhile (measured: docs/operations.md, "Incident notes").
 * An insert that finds the document created meanwhile fails with a duplicate key: it exists.
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
