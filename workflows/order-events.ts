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

/**
 * Patch id of publishing events behind the saga's steps (`createEventOutbox`): an emitted event
 * is queued, and the next step's command goes out without waiting for its publish. Orders
 * started before it await each publish (test/fixtures/histories/3-publish-together).
 */
export const PIPELINED_EVENT_PUBLISHING = 'pipelined-event-publishing';

// Retry forever, backoff capped at 30 s: a Kafka outage delays the events and the saga waits
// for them (before it ends, or waits for people), rather than losing one and leaving a gap read
// models cannot get past.
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

/**
 * The saga's event seam. Sequence numbers are assigned on emission, in order (from
 * FIRST_EVENT_SEQUENCE: 1, 2, 3 …), deterministically, so a replay or a retried publish carries
 * the same number and projections can tell a duplicate or a gap. Publishes of one order never
 * overlap and go out in sequence order, so the order of events on Kafka is the order of the facts.
 */
export interface EventSeam {
  /** Emits one event: published before it resolves (awaited), or queued (outbox). */
  emit: Emit;
  /**
   * Emits consecutive events to be sent in one local activity (one record batch). On the awaited
   * path only where the `PUBLISH_TOGETHER` patch applies: the caller checks `patched` first, and
   * emits them one by one otherwise.
   */
  emitTogether(events: readonly EventToEmit[]): Promise<void>;
  /** Starts publishing the queued events, behind any publish in flight (outbox only). */
  flush(): void;
  /** Resolves once every event emitted so far is published. */
  drained(): Promise<void>;
}

type OnPublished = (sequence: number) => void;

/** Turns emitted events into drafts, numbering them in order of emission. */
function sequencer(orderId: string): (event: EventToEmit) => OrderEventDraft {
  let next = FIRST_EVENT_SEQUENCE;
  // The mapped union cannot be narrowed through `EventToEmit`; type and data match by signature.
  return (event) =>
    ({
      orderId,
      sequence: next++,
      type: event.type,
      occurredAt: new Date().toISOString(), // workflow time: deterministic on replay
      data: event.data,
    }) as OrderEventDraft;
}

/**
 * The seam of orders started before PIPELINED_EVENT_PUBLISHING: each emission awaits its publish,
 * so the saga's next command waits for it.
 */
export function createEventEmitter(orderId: string, onPublished: OnPublished): EventSeam {
  const draftOf = sequencer(orderId);
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
    flush() {},
    drained: () => Promise.resolve(),
  };
}

/**
 * The seam since PIPELINED_EVENT_PUBLISHING: an emitted event is queued, and `flush` (called as
 * the saga sends its next command) starts publishing the queue in one local activity. One
 * publish at a time: what is queued meanwhile goes out in the next, once the one in flight has
 * succeeded, so events leave in sequence order and each in exactly one publish (retried with the
 * same ids). The saga does not await the publish before its next command; it awaits `drained`
 * before it waits for people or providers and before it ends, so every event is out first.
 *
 * The SDK completes a workflow task, sending its commands, only once the local activities started
 * in it have finished, or at the task's heartbeat (80 % of the workflow task timeout) if they run
 * longer: a slow or unavailable Kafka then holds the next step for that long at most, not until
 * Kafka is back, as awaiting each publish did.
 */
export function createEventOutbox(orderId: string, onPublished: OnPublished): EventSeam {
  const draftOf = sequencer(orderId);
  const queued: OrderEventDraft[] = [];
  let publishing: Promise<void> | undefined;

  async function publishQueued(): Promise<void> {
    while (queued.length > 0) {
      const batch = queued.splice(0);
      // Non-cancellable: a numbered event must be published, even when the customer cancels.
      // One event keeps its own activity type (the metrics and traces name it).
      await CancellationScope.nonCancellable(() =>
        batch.length === 1 ? publishLocally(batch[0]) : publishManyLocally(batch),
      );
      onPublished(batch[batch.length - 1].sequence);
    }
  }

  const flush = (): void => {
    if (publishing || queued.length === 0) return;
    // Publishing retries for ever, so it fails only for a defect (InvalidEventBatch). A failed
    // publish stays `publishing`: nothing queued after it goes out (no gap in the stream), and
    // its rejection, unhandled until `drained` awaits it, fails the workflow task.
    publishing = publishQueued().then(() => {
      publishing = undefined;
    });
  };

  return {
    emit(type, data) {
      queued.push(draftOf({ type, data } as EventToEmit));
      return Promise.resolve();
    },
    emitTogether(events) {
      queued.push(...events.map(draftOf));
      return Promise.resolve();
    },
    flush,
    async drained() {
      for (flush(); publishing; flush()) {
        try {
          await publishing;
        } catch (error) {
          // A plain Error fails the workflow task (a TemporalFailure would fail the workflow).
          throw new Error(`Publishing the events of order ${orderId} failed`, { cause: error });
        }
      }
    },
  };
}
