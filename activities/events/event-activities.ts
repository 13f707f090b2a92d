import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ApplicationFailure } from '@temporalio/common';
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

  async function publish(drafts: readonly OrderEventDraft[]): Promise<void> {
    const [first] = drafts;
    const eventTypes = drafts.map((d) => d.type);
    const log = deps.logger.child({
      orderId: first.orderId,
      sequence: first.sequence,
      type: eventTypes.join('+'),
      publishedBy: deps.service,
    });
    const events = drafts.map((draft) => envelopeFromDraft(draft, traceContext?.()));
    // One publish: the publisher never splits its messages over two sends (lib/kafka.ts).
    await measurePublish(meter(), { topic, eventTypes }, () =>
      deps.publisher.publish(topic, events.map(toEventMessage)),
    );
    log.debug({ eventIds: events.map((e) => e.id) }, 'events published');
  }

  /** Traced as a PRODUCER span when a tracer is given ("<operation> <destination>"). */
  function traced(drafts: readonly OrderEventDraft[]): Promise<void> {
    const tracer = deps.tracer;
    if (!tracer) return publish(drafts);
    return tracer.startActiveSpan(
      `publish ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'publish',
          'messaging.destination.name': topic,
          'messaging.kafka.message.key': drafts[0].orderId,
          ...(drafts.length > 1 && { 'messaging.batch.message_count': drafts.length }),
          'order.id': drafts[0].orderId,
          'order.event.type': drafts.map((d) => d.type).join('+'),
        },
      },
      async (span) => {
        try {
          await publish(drafts);
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  return {
    publishOrderEvent: (draft) => traced([draft]),
    async publishOrderEvents(drafts) {
      const problem = consecutiveProblem(drafts);
      // Not retryable: the same drafts would fail the same way on every attempt.
      if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidEventBatch');
      await traced(drafts);
    },
  };
}

/** Why `drafts` are not consecutive events of one order, or undefined when they are. */
function consecutiveProblem(drafts: readonly OrderEventDraft[]): string | undefined {
  if (drafts.length === 0) return 'publishOrderEvents needs at least one event';
  const [first] = drafts;
  for (const [i, d] of drafts.entries()) {
    if (d.orderId !== first.orderId)
      return `events of orders ${first.orderId} and ${d.orderId} cannot be published together`;
    if (d.sequence !== first.sequence + i)
      return `event ${i + 1} of order ${first.orderId} has sequence ${d.sequence}, expected ${first.sequence + i}`;
  }
  return undefined;
}
