import { z } from 'zod';
import { EVENT_OWNER, EVENT_PAYLOADS, EVENT_SCHEMA_VERSIONS, ORDER_EVENT_TYPES } from './events';
import type { OrderEventType } from './events';
import {
  CLOUDEVENTS_SPEC_VERSION,
  EVENT_CONTENT_TYPE,
  EVENT_HEADERS,
  dataSchemaUri,
  eventSource,
} from './event-envelope';
import { DLT_HEADERS } from './dead-letter';
import { ORDER_EVENTS_TOPIC, deadLetterTopic } from './topics';
import { PROJECTOR_GROUP_ID } from './consumer-groups';

// The AsyncAPI 3.0 description of the event stream, generated from the same zod schemas the
// producers and consumers validate with, so the document cannot drift from the code.

type JsonSchema = Record<string, unknown>;

/** JSON Schema draft-07 (what AsyncAPI 3.0's default schema format builds on), without `$schema`. */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const generated = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  description,
  ...extra,
});

function eventHeadersSchema(type: OrderEventType): JsonSchema {
  const version = EVENT_SCHEMA_VERSIONS[type];
  const properties: Record<string, JsonSchema> = {
    [EVENT_HEADERS.id]: str('Event id: UUIDv5 of `<orderId>:<sequence>`, equal on every retry.', {
      format: 'uuid',
    }),
    [EVENT_HEADERS.source]: str('Producing service.', { const: eventSource(EVENT_OWNER[type]) }),
    [EVENT_HEADERS.type]: str('Event type.', { const: type }),
    [EVENT_HEADERS.specVersion]: str('CloudEvents version.', { const: CLOUDEVENTS_SPEC_VERSION }),
    [EVENT_HEADERS.time]: str('When it occurred (workflow time).', { format: 'date-time' }),
    [EVENT_HEADERS.subject]: str('Order id (also the message key).'),
    [EVENT_HEADERS.dataSchema]: str('Payload schema.', { const: dataSchemaUri(type, version) }),
    [EVENT_HEADERS.contentType]: str('Payload encoding.', { const: EVENT_CONTENT_TYPE }),
    [EVENT_HEADERS.schemaVersion]: str(
      'Payload schema version; consumers upcast older ones to the current.',
      { const: String(version) },
    ),
    [EVENT_HEADERS.sequence]: str('Per-order sequence number, 1, 2, 3… (decimal).', {
      pattern: '^[1-9][0-9]*$',
    }),
    [EVENT_HEADERS.correlationId]: str('The order id: shared by every event of one saga.'),
    [EVENT_HEADERS.causationId]: str(
      'Id of the previous event of the saga, or `order:<orderId>` for the first.',
    ),
    [EVENT_HEADERS.traceparent]: str('W3C trace context, when the producer was traced.'),
    [EVENT_HEADERS.tracestate]: str('W3C trace state, when present.'),
  };
  const optional = new Set<string>([EVENT_HEADERS.traceparent, EVENT_HEADERS.tracestate]);
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((name) => !optional.has(name)),
  };
}

function deadLetterHeadersSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'The original message headers, plus these (Spring Kafka names).',
    properties: {
      [DLT_HEADERS.originalTopic]: str('Topic the event was consumed from.'),
      [DLT_HEADERS.originalPartition]: str('Its partition (decimal).'),
      [DLT_HEADERS.originalOffset]: str('Its offset (decimal).'),
      [DLT_HEADERS.originalTimestamp]: str('Its broker timestamp (ms since epoch, decimal).'),
      [DLT_HEADERS.originalConsumerGroup]: str('Consumer group that gave up on it.'),
      [DLT_HEADERS.exceptionMessage]: str('Why it could not be projected.'),
      [DLT_HEADERS.exceptionFqcn]: str('Error class, e.g. InvalidEventError.'),
    },
    required: [
      DLT_HEADERS.originalTopic,
      DLT_HEADERS.originalPartition,
      DLT_HEADERS.originalOffset,
      DLT_HEADERS.originalConsumerGroup,
      DLT_HEADERS.exceptionMessage,
      DLT_HEADERS.exceptionFqcn,
    ],
  };
}

const kafkaKey = {
  kafka: {
    key: {
      type: 'string',
      description: 'Order id: one order’s events stay in one partition, in order.',
    },
    bindingVersion: '0.5.0',
  },
};

/** Name of an event payload's schema in `components.schemas`, e.g. `OrderPlaced.v2`. */
export const payloadSchemaName = (type: OrderEventType): string =>
  `${type}.v${EVENT_SCHEMA_VERSIONS[type]}`;

/**
 * The AsyncAPI 3.0 document of the order event stream (served by the API at `/asyncapi.json`).
 * `partitions` describes the deployment; it does not change the contract.
 */
export function buildAsyncApiDocument(options: { version?: string } = {}): Record<string, unknown> {
  const { schemas, messages, channelMessages } = eventMessages();
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'order-saga domain events',
      version: options.version ?? '1.0.0',
      description:
        'Every state change of an order saga, as CloudEvents 1.0 in Kafka binary mode: ' +
        'attributes in `ce_*` headers, the JSON payload as the value, keyed by order id.',
    },
    defaultContentType: EVENT_CONTENT_TYPE,
    channels: channels(channelMessages),
    operations: operations(),
    components: { schemas, messages },
  };
}

/** Each event type's message and payload schema, and the dead-letter message. */
function eventMessages() {
  const schemas: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  const channelMessages: Record<string, JsonSchema> = {};
  for (const type of ORDER_EVENT_TYPES) {
    const schemaName = payloadSchemaName(type);
    schemas[schemaName] = jsonSchema(EVENT_PAYLOADS[type]);
    messages[type] = {
      name: type,
      title: type,
      summary: `${type} (schema version ${EVENT_SCHEMA_VERSIONS[type]}), published by the ${EVENT_OWNER[type]} service.`,
      contentType: EVENT_CONTENT_TYPE,
      correlationId: { location: `$message.header#/${EVENT_HEADERS.correlationId}` },
      headers: eventHeadersSchema(type),
      payload: { $ref: `#/components/schemas/${schemaName}` },
      bindings: kafkaKey,
    };
    channelMessages[type] = { $ref: `#/components/messages/${type}` };
  }
  messages.DeadLetter = {
    name: 'DeadLetter',
    title: 'Dead-lettered order event',
    summary: 'An order event the projector could not apply, with the reason; value unchanged.',
    contentType: EVENT_CONTENT_TYPE,
    headers: deadLetterHeadersSchema(),
    payload: { description: 'The original message value, byte for byte.' },
    bindings: kafkaKey,
  };
  return { schemas, messages, channelMessages };
}

function channels(channelMessages: Record<string, JsonSchema>) {
  const dlt = deadLetterTopic(ORDER_EVENTS_TOPIC);
  return {
    orderEvents: {
      address: ORDER_EVENTS_TOPIC,
      title: 'Order events',
      description: 'Kept forever: read models are rebuilt by replaying it.',
      messages: channelMessages,
      bindings: { kafka: { topic: ORDER_EVENTS_TOPIC, bindingVersion: '0.5.0' } },
    },
    orderEventsDeadLetter: {
      address: dlt,
      title: 'Dead-lettered order events',
      messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
      bindings: { kafka: { topic: dlt, bindingVersion: '0.5.0' } },
    },
  };
}

function operations() {
  const eventRefs = ORDER_EVENT_TYPES.map((type) => ({
    $ref: `#/channels/orderEvents/messages/${type}`,
  }));
  return {
    publishOrderEvent: {
      action: 'send',
      title: 'Services publish the saga’s events (idempotent producer, acks=all).',
      channel: { $ref: '#/channels/orderEvents' },
      messages: eventRefs,
    },
    projectOrderEvents: {
      action: 'receive',
      title: `The projector folds them into read models (consumer group ${PROJECTOR_GROUP_ID}).`,
      channel: { $ref: '#/channels/orderEvents' },
      messages: eventRefs,
      bindings: {
        kafka: {
          groupId: { type: 'string', enum: [PROJECTOR_GROUP_ID] },
          bindingVersion: '0.5.0',
        },
      },
    },
    deadLetterOrderEvent: {
      action: 'send',
      title: 'The projector parks events it cannot apply.',
      channel: { $ref: '#/channels/orderEventsDeadLetter' },
      messages: [{ $ref: '#/channels/orderEventsDeadLetter/messages/DeadLetter' }],
    },
  };
}
