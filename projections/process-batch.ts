import type { RawHeaders } from '../contracts/event-envelope';
import { decodeEventMessage } from '../contracts/event-envelope';
import type { ProjectionStore } from './mongo-store';
import type { BatchItem, BatchPlan } from './plan-batch';
import { orderIdsOf, planBatch } from './plan-batch';

/** A consumed message, independent of the Kafka client. */
export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RawHeaders;
  timestamp?: string;
}

export interface BatchPorts {
  store: ProjectionStore;
  /** Must resolve only once the dead letter is durably stored (it is never retried later). */
  deadLetter(message: ConsumedMessage, error: Error): Promise<void>;
  /** Test seam: runs between the aggregates write and the orders write. */
  afterAggregates?: () => Promise<void> | void;
}

export function decodeItem(message: ConsumedMessage): BatchItem {
  try {
    return { offset: message.offset, result: decodeEventMessage(message) };
  } catch (error) {
    return {
      offset: message.offset,
      result: { kind: 'invalid', error: error instanceof Error ? error : new Error(String(error)) },
    };
  }
}

/**
 * Projects one partition's batch; when it resolves, everything it did is durable and its
 * offsets may be committed. The write order is explained in plan-batch.ts.
 */
export async function processBatch(
  ports: BatchPorts,
  partition: number,
  messages: readonly ConsumedMessage[],
): Promise<BatchPlan['counts']> {
  const items = messages.map(decodeItem);
  const stored = await ports.store.loadOrders(orderIdsOf(items));
  const plan = planBatch(items, stored);
  const byOffset = new Map(messages.map((m) => [m.offset, m]));
  for (const { offset, error } of plan.deadLetters) {
    await ports.deadLetter(byOffset.get(offset)!, error);
  }
  await ports.store.applyAggregates(partition, plan.customerOps, plan.skuOps);
  await ports.afterAggregates?.();
  await ports.store.writeOrders(plan.orderWrites);
  return plan.counts;
}
