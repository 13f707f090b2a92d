import type { DecodeResult } from '../../contracts/event-envelope';
import type { OrderView } from '../../contracts/read-models';
import type { CustomerStatsDelta, SkuSalesDelta } from './aggregates';
import { customerStatsDelta, skuSalesDeltas } from './aggregates';
import { unknownTypeRejection } from './event-checks';
import { evolveOrder } from './order-view';

// Turning one partition's batch into writes, as a pure function of (messages, current order
// documents). The projector loads the documents, calls this, then executes the plan in this
// order — dead letters, aggregates, orders, position, offsets — and that order is what makes
// it correct without transactions (FerretDB has none):
//
//  * orders: one replace per order, filtered on `version < new version` (upsert for a new
//    order). A redelivered event folds to a document no newer than the stored one and
//    matches nothing. Documents are pure functions of their events, so a lost race between
//    two instances (during a rebalance) writes the same bytes either way.
//  * aggregates: deltas are derived from order transitions (before → after an event), with
//    "before" being the *stored* order document. That is only sound if the aggregate delta of
//    an event is applied exactly once, and an `$inc` is not idempotent. So each aggregate
//    document keeps a high-water mark per source partition (`appliedOffsets.p<partition>`)
//    and each `$inc` is filtered on `mark < offset` and sets `mark = offset` in the same
//    single-document update, which is atomic without transactions.
//  * aggregates are written BEFORE orders. Crash between the two: the batch is redelivered,
//    the orders are still at their old versions, so the fold derives the very same deltas
//    from the very same offsets, and the marks turn them into no-ops; the orders write then
//    completes. (Written the other way round, the redelivered events would look like
//    duplicates of the already-advanced orders and their deltas would be lost.) Crash after
//    both: every event is a duplicate, nothing changes. Offsets are committed last.
//  * A redelivered batch may start or end elsewhere than the first attempt: marks are
//    compared per event offset, never per batch, so partial overlaps are handled too. (The
//    store sends a chunk's increments of one document as one update guarded by the first
//    offset, and per event only when that does not match: aggregate-writes.ts.)
//  * After the orders, the read model records its own position in the partition (the offset
//    after the chunk), in the same database. Before a chunk is planned, that position is
//    compared with the chunk's first offset: when it is behind, the read model lost writes
//    the consumer had got past (an acknowledged write that did not survive a crash of the
//    database takes the later position writes with it), and the chunk is not applied; the
//    partition is read again from the position (process-batch.ts, projector.ts).
//
// Gaps: Kafka keeps one order's events in order within its partition, so once the position
// check has passed, an event whose sequence skips ahead means its predecessor was parked in
// the dead letters (or never published). It is not applied (a read model with a hole would be
// wrong in ways nobody notices) but dead-lettered, like every later event of that order, and
// redriving the parked events in order repairs the order. Events of other orders keep flowing.
//
// Rejections: a message whose key or `ce_id` disagrees with its order and sequence arrives here
// already `invalid` (process-batch.ts), and an unknown event type is dead-lettered too, never
// counted as the order's next version (event-checks.ts says why).

export type BatchItemResult = DecodeResult | { kind: 'invalid'; error: Error };

export interface BatchItem {
  /** Kafka offset (a decimal string, as clients return it). */
  offset: string;
  result: BatchItemResult;
}

export interface AggregateOp<D> {
  /** Offset of the event whose transition caused it: the idempotency mark. */
  offset: string;
  delta: D;
}

export interface BatchPlan {
  /** Final document per order touched by new events; written with `version < doc.version`. */
  orderWrites: OrderView[];
  /** In offset order (the marks require it). */
  customerOps: AggregateOp<CustomerStatsDelta>[];
  skuOps: AggregateOp<SkuSalesDelta>[];
  deadLetters: { offset: string; error: Error }[];
  /** One outcome per item; `unknownType` items are dead-lettered too (not in `deadLettered`). */
  counts: { applied: number; duplicate: number; unknownType: number; deadLettered: number };
}

/**
 * Plans a batch of one partition. `stored` holds the current documents of the orders the batch
 * mentions (absent = not projected yet). Items must be in offset order.
 */
export function planBatch(
  items: readonly BatchItem[],
  stored: ReadonlyMap<string, OrderView>,
): BatchPlan {
  const current = new Map<string, OrderView | null>();
  const dirty = new Set<string>();
  const plan: BatchPlan = {
    orderWrites: [],
    customerOps: [],
    skuOps: [],
    deadLetters: [],
    counts: { applied: 0, duplicate: 0, unknownType: 0, deadLettered: 0 },
  };
  const docOf = (orderId: string) =>
    current.has(orderId) ? current.get(orderId)! : (stored.get(orderId) ?? null);

  for (const { offset, result } of items) {
    if (result.kind === 'invalid') {
      plan.deadLetters.push({ offset, error: result.error });
      plan.counts.deadLettered++;
      continue;
    }
    if (result.kind === 'unknown-type') {
      // Parked without touching the order: its version stays, so the real event with this
      // number still applies. Counted as its own outcome (a deploy-order problem, usually).
      plan.deadLetters.push({ offset, error: unknownTypeRejection(result.type) });
      plan.counts.unknownType++;
      continue;
    }
    const { event } = result;
    const before = docOf(event.orderId);
    if (before && event.sequence <= before.version) {
      plan.counts.duplicate++;
      continue;
    }
    let after: OrderView;
    try {
      after = evolveOrder(before, event);
    } catch (error) {
      plan.deadLetters.push({
        offset,
        error: error instanceof Error ? error : new Error(String(error)),
      });
      plan.counts.deadLettered++;
      continue;
    }
    current.set(event.orderId, after);
    dirty.add(event.orderId);
    plan.counts.applied++;
    const customer = customerStatsDelta(before, after);
    if (customer) plan.customerOps.push({ offset, delta: customer });
    for (const delta of skuSalesDeltas(before, after)) plan.skuOps.push({ offset, delta });
  }
  plan.orderWrites = [...dirty].map((orderId) => current.get(orderId)!);
  return plan;
}
