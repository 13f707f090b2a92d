import type { OrderEventDraft } from '../../contracts/events';

/**
 * The event-publishing activity as the workflow sees it. The orders worker runs it as a local
 * activity for every event; every worker also registers it as an ordinary activity, for orders
 * started before the `local-event-publishing` patch (workflows/order-events.ts). The real
 * implementation is `createEventActivities({ publisher })` in this folder.
 */
export interface EventActivities {
  publishOrderEvent(draft: OrderEventDraft): Promise<void>;
  /**
   * Publishes consecutive events of one order (sequences n, n+1, …) in one send: one record
   * batch on the order's partition, which the broker appends whole or not at all, so no
   * consumer ever sees the first without the rest. The saga uses it for events it emits back to
   * back (workflows/order-events.ts, `PUBLISH_TOGETHER`), and for the events queued while its
   * previous publish was in flight (`PIPELINED_EVENT_PUBLISHING`).
   */
  publishOrderEvents(drafts: OrderEventDraft[]): Promise<void>;
}
