import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import { EVENT_OWNER } from '../contracts/events';
import type { OrderEventDraft, OrderEventType } from '../contracts/events';
import { TASK_QUEUES } from '../contracts/order';
import type { EventActivities } from '../activities/events/api';

/** The payload a producer supplies for an event of type `T` (as in OrderEventDraft). */
export type EventData<T extends OrderEventType> = Extract<OrderEventDraft, { type: T }>['data'];
export type Emit = <T extends OrderEventType>(type: T, data: EventData<T>) => Promise<void>;

/**
 * The saga's event seam. Sequence numbers are assigned here, in order of emission (1, 2, 3 …),
 * deterministically, so a replay or a retried publish carries the same number, and
 * projections can tell a duplicate or a gap. Each event is published before the saga moves on,
 * so the order of events on Kafka is the order of the facts.
 */
export function createEventEmitter(orderId: string, onPublished: (sequence: number) => void): Emit {
  let sequence = 0;
  return async (type, data) => {
    sequence += 1;
    // The mapped union cannot be narrowed from the generic `T`; type and data match by signature.
    const draft = {
      orderId,
      sequence,
      type,
      occurredAt: new Date().toISOString(), // workflow time: deterministic on replay
      data,
    } as OrderEventDraft;
    const { publishOrderEvent } = proxyActivities<EventActivities>({
      taskQueue: TASK_QUEUES[EVENT_OWNER[type]],
      startToCloseTimeout: '30s',
      // Retry forever, backoff capped at 30 s: a Kafka outage delays the events and the saga
      // waits for them, rather than losing one and leaving a gap read models cannot get past.
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
      summary: `Publish ${type} #${sequence}`,
    });
    // Non-cancellable: once a sequence number is assigned it must be published, even when the
    // customer cancels meanwhile, or the stream would have a hole.
    await CancellationScope.nonCancellable(() => publishOrderEvent(draft));
    onPublished(sequence);
  };
}
