import type { OrderEventDraft } from '../../contracts/events';

/**
 * The event-publishing activity as the workflow sees it. Every worker registers it, because the
 * workflow schedules each event on the task queue of the service that owns it (EVENT_OWNER).
 * The real implementation is `createEventActivities({ publisher })` in this folder.
 */
export interface EventActivities {
  publishOrderEvent(draft: OrderEventDraft): Promise<void>;
}
