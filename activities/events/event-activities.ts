import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { MetricMeter } from '@temporalio/common';
import type { OrderEventDraft } from '../../contracts/events';
import type { EventService } from '../../contracts/event-envelope';
import { envelopeFromDraft, toEventMessage } from '../../contracts/event-envelope';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';
import type { MessagePublisher } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { activeTraceHeaders } from '../../lib/tracing';
import { activityMetricMeter, measurePublish } from '../shared/metrics';
import type { EventActivities } from './api';

export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
}

export interface EventActivitiesDeps {
  publisher: MessagePublisher;
  /**
   * The service whose worker runs these activities, for the logs. The events' `ce_source` is
   * the service that owns the fact (EVENT_OWNER), whoever sends it: the orders worker publishes
   * every event of a saga as a local activity (workflows/order-events.ts).
   */
  service: EventService;
  logger: Logger;
  /** The current W3C trace context, when the process is traced (e.g. from OpenTelemetry). */
  traceContext?: () => TraceContext | undefined;
  topic?: string;
  /**
   * Traces each publish as a PRODUCER span (child of the activity's span); the message then
   * carries that span as its `traceparent` unless `traceContext` is given.
   */
  tracer?: Tracer;
  /**
   * Where publish latency and errors are recorded (ACTIVITY_METRICS in activities/shared/metrics.ts).
   * Default: the running activity's Temporal meter, served on the worker's metrics endpoint.
   */
  metricMeter?: () => MetricMeter;
}

/**
 * The publishing activity. It throws on any failed publish and the workflow retries it
 * forever, so a Kafka outage delays events and loses none; since the event id and key are
 * derived from the draft, a retry publishes the very same event.
 */
export function createEventActivities(deps: EventActivitiesDeps): EventActivities {
  const topic = deps.topic ?? ORDER_EVENTS_TOPIC;
  const traceContext = deps.traceContext ?? (deps.tracer && (() => activeTraceHeaders()));
  const meter = deps.metricMeter ?? activityMetricMeter;

  async function publish(draft: OrderEventDraft): Promise<void> {
    const log = deps.logger.child({
      orderId: draft.orderId,
      sequence: draft.sequence,
      type: draft.type,
      publishedBy: deps.service,
    });
    const event = envelopeFromDraft(draft, traceContext?.());
    await measurePublish(meter(), { topic, event_type: draft.type }, () =>
      deps.publisher.publish(topic, [toEventMessage(event)]),
    );
    log.debug({ eventId: event.id }, 'event published');
  }

  return {
    async publishOrderEvent(draft: OrderEventDraft): Promise<void> {
      const tracer = deps.tracer;
      if (!tracer) return publish(draft);
      // Messaging semantic conventions: "<operation> <destination>", kind PRODUCER.
      return tracer.startActiveSpan(
        `publish ${topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'publish',
            'messaging.destination.name': topic,
            'messaging.kafka.message.key': draft.orderId,
            'order.id': draft.orderId,
            'order.event.type': draft.type,
          },
        },
        async (span) => {
          try {
            await publish(draft);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}
