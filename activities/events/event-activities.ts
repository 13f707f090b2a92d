import type { OrderEventDraft } from '../../contracts/events';
import type { EventService } from '../../contracts/event-envelope';
import { envelopeFromDraft, isOwner, toEventMessage } from '../../contracts/event-envelope';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import type { EventActivities } from './api';

export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
}

export interface EventActivitiesDeps {
  publisher: MessagePublisher;
  /** The service whose task queue runs these activities; becomes the events' `ce_source`. */
  service: EventService;
  logger: Logger;
  /** The current W3C trace context, when the process is traced (e.g. from OpenTelemetry). */
  traceContext?: () => TraceContext | undefined;
  topic?: string;
}

/**
 * The publishing activity. It throws on any failed publish and the workflow retries it
 * forever, so a Kafka outage delays events and loses none; since the event id and key are
 * derived from the draft, a retry publishes the very same event.
 */
export function createEventActivities(deps: EventActivitiesDeps): EventActivities {
  const topic = deps.topic ?? ORDER_EVENTS_TOPIC;
  return {
    async publishOrderEvent(draft: OrderEventDraft): Promise<void> {
      const log = deps.logger.child({
        orderId: draft.orderId,
        sequence: draft.sequence,
        type: draft.type,
      });
      if (!isOwner(draft.type, deps.service)) {
        // Still published (the fact happened); the source says who really published it.
        log.warn({ service: deps.service }, 'event published by a service that does not own it');
      }
      const event = envelopeFromDraft(draft, { service: deps.service, ...deps.traceContext?.() });
      await deps.publisher.publish(topic, [toEventMessage(event)]);
      log.debug({ eventId: event.id }, 'event published');
    },
  };
}
