import type { OrderEventDraft } from '../../contracts/events';

/**
 * The event-publishing activity as the workflow sees it. The orders worker runs it as a local
 * activity for every event; every worker also registers it as an ordinary activity, for orders
 * started before the `local-event-publishing` patch (workflows/order-events.ts). The real
 * implementation is `createEventActivities({ publisher })` in this folder.
 */
export interface EventActivities {
  publishOrderEvent(draft: OrderEventDraft): Promise<void>;
}
