import type { OrderEventDraft } from '../../contracts/events';
import type { EventActivities } from './api';

// Events that ride with the saga's next command (workflows/order-events.ts,
// `EVENTS_RIDE_WITH_STEPS`): the workflow hands a step's activity the events it has not
// published yet as a second argument, and the service's worker publishes them before the step
// does its work. The saga then needs no local activity per event, and its workflow task no
// second activation to run one.
//
// Publishing FIRST is what lets the workflow know what went out: an activity that returned, or
// ended with one of its business failures, did its work, so its carried events were published.
// A failed publish fails the attempt (retryable, like any transient failure), so a step waits
// for Kafka rather than running ahead of its events.

/** A service activity as the saga calls it: its input, and the events it carries. */
export type CarryingEvents<A> = {
  [K in keyof A]: A[K] extends (input: infer I) => Promise<infer R>
    ? (input: I, carried?: OrderEventDraft[]) => Promise<R>
    : A[K];
};

/**
 * Wraps every activity of a service so that, called with carried events, it publishes them (in
 * one send, through `events`) before it runs. Called with its input alone, as orders started
 * before the patch call it, it just runs.
 */
export function publishingCarriedEvents<
  A extends { [K in keyof A]: (input: never) => Promise<unknown> },
>(activities: A, events: Pick<EventActivities, 'publishOrderEvents'>): CarryingEvents<A> {
  return Object.fromEntries(
    Object.entries<(input: never) => Promise<unknown>>(activities).map(([name, run]) => [
      name,
      async (input: never, carried?: OrderEventDraft[]) => {
        if (carried && carried.length > 0) await events.publishOrderEvents(carried);
        return run(input);
      },
    ]),
  ) as CarryingEvents<A>;
}
