import {
  CancellationScope,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/workflow';
import { EVENT_OWNER, FIRST_EVENT_SEQUENCE } from '../contracts/events';
import type { OrderEventDraft, OrderEventType } from '../contracts/events';
import { TASK_QUEUES } from '../contracts/services';
import type { EventActivities } from '../activities/events/api';

/** The payload a producer supplies for an event of type `T` (as in OrderEventDraft). */
export type EventData<T extends OrderEventType> = Extract<OrderEventDraft, { type: T }>['data'];
export type Emit = <T extends OrderEventType>(type: T, data: EventData<T>) => Promise<void>;
/** One event to emit: its type and payload. */
export type EventToEmit = {
  [T in OrderEventType]: { type: T; data: EventData<T> };
}[OrderEventType];

/**
 * Patch id of publishing events as local activities. Before it, each event was an activity of
 * its own on its owner's task queue: a round trip through the server and one more workflow task
 * per event. Orders started before it replay that path (test/fixtures/histories/).
 */
export const LOCAL_EVENT_PUBLISHING = 'local-event-publishing';

/**
 * Patch id of publishing events the saga emits back to back in one local activity, which sends
 * them in one record batch: the last two of a completed order (PaymentCaptured, OrderCompleted)
 * took two local activities and two workflow activations before it. Orders started before it
 * replay the one-by-one path (test/fixtures/histories/2-local-publish).
 */
export const PUBLISH_TOGETHER = 'publish-together';

// Retry forever, backoff capped at 30 s: a Kafka outage delays the events and the saga waits
// for them, rather than losing one and leaving a gap read models cannot get past.
const publishRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
};

// A local activity runs in the orders worker, inside the workflow task that emits the event, so
// the saga's next command goes out with the same task completion. Its outcome is recorded as a
// marker. If the worker dies before the task completes, the task runs again and publishes the
// same event again (same id, sequence and data; occurredAt is the new task's time), which
// consumers drop as a duplicate by id and projections by version.
const { publishOrderEvent: publishLocally } = proxyLocalActivities<EventActivities>({
  startToCloseTimeout: '30s',
  retry: publishRetry,
  summary: 'Publish an order event',
});
const { publishOrderEvents: publishManyLocally } = proxyLocalActivities<EventActivities>({
  startToCloseTimeout: '30s',
  retry: publishRetry,
  summary: 'Publish order events together',
});

/** The pre-patch path: one activity per event, on the task queue of the service that owns it. */
const publishAsActivity = (draft: OrderEventDraft) =>
  proxyActivities<EventActivities>({
    taskQueue: TASK_QUEUES[EVENT_OWNER[draft.type]],
    startToCloseTimeout: '30s',
    retry: publishRetry,
    summary: `Publish ${draft.type} #${draft.sequence}`,
  }).publishOrderEvent(draft);

/** The saga's event seam: one event at a time, or several back to back in one send. */
export interface EventEmitter {
  emit: Emit;
  /**
   * Publishes `events` as consecutive events in one local activity (and one record batch).
   * Only where the `PUBLISH_TOGETHER` patch applies: the caller checks `patched` first, and
   * emits them one by one otherwise.
   */
  emitTogether(events: readonly EventToEmit[]): Promise<void>;
}

/**
 * The saga's event seam. Sequence numbers are assigned here, in order of emission (from
 * FIRST_EVENT_SEQUENCE: 1, 2, 3 …),
 * deterministically, so a replay or a retried publish carries the same number, and
 * projections can tell a duplicate or a gap. Each event is published before the saga moves on,
 * so the order of events on Kafka is the order of the facts.
 */
export function createEventEmitter(
  orderId: string,
  onPublished: (sequence: number) => void,
): EventEmitter {
  let next = FIRST_EVENT_SEQUENCE;
  const draftOf = (event: EventToEmit): OrderEventDraft => {
    const sequence = next++;
    // The mapped union cannot be narrowed through `EventToEmit`; type and data match by signature.
    return {
      orderId,
      sequence,
      type: event.type,
      occurredAt: new Date().toISOString(), // workflow time: deterministic on replay
      data: event.data,
    } as OrderEventDraft;
  };
  return {
    async emit(type, data) {
      const draft = draftOf({ type, data } as EventToEmit);
      const publish = patched(LOCAL_EVENT_PUBLISHING) ? publishLocally : publishAsActivity;
      // Non-cancellable: once a sequence number is assigned it must be published, even when the
      // customer cancels meanwhile, or the stream would have a hole.
      await CancellationScope.nonCancellable(() => publish(draft));
      onPublished(draft.sequence);
    },
    async emitTogether(events) {
      const drafts = events.map(draftOf);
      await CancellationScope.nonCancellable(() => publishManyLocally(drafts));
      onPublished(drafts[drafts.length - 1].sequence);
    },
  };
}
