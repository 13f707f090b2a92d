import { z } from 'zod';
import type { OrderEventData, OrderEventDraft, OrderEventType } from './events';
import {
  EVENT_OWNER,
  EVENT_PAYLOADS,
  EVENT_SCHEMA_VERSIONS,
  FIRST_EVENT_SEQUENCE,
  ORDER_EVENT_TYPES,
  totalQuantity,
} from './events';
import { orderEventId } from './event-id';
import { upcast, UnsupportedSchemaVersionError } from './event-upcasters';
import { Service, SERVICES } from './services';

// One envelope for every domain event, shared by producers and consumers. On Kafka it is a
// CloudEvents 1.0 event in binary content mode: the attributes travel as `ce_*` headers and the
// message value is the JSON payload alone, so any CloudEvents-aware tool can read it.

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_CONTENT_TYPE = 'application/json';

/** Header names; extension attributes are lower-case alphanumerics as CloudEvents requires. */
export const EVENT_HEADERS = {
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  specVersion: 'ce_specversion',
  time: 'ce_time',
  subject: 'ce_subject',
  dataSchema: 'ce_dataschema',
  contentType: 'content-type',
  schemaVersion: 'ce_schemaversion',
  /** The CloudEvents "sequence" extension: the per-order sequence number. */
  sequence: 'ce_sequence',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  /** W3C trace context, under the names OpenTelemetry's Kafka instrumentations use. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** The service an event comes from: one of contracts/services.ts. */
export const EventService = Service;
export type EventService = Service;

/** `ce_source` of a service's events (a URI reference, as CloudEvents asks). */
export const eventSource = (service: EventService): string => `/order-saga/${service}`;
const SOURCE_PATTERN = new RegExp(`^/order-saga/(${SERVICES.join('|')})$`);

/** Where a payload's schema is described (the AsyncAPI document names its schemas the same). */
export const dataSchemaUri = (type: OrderEventType, version: number): string =>
  `urn:order-saga:events:${type}:v${version}`;

const Traceparent = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'W3C traceparent');

/** Attributes every event carries, whatever its type. */
export const EventAttributes = z.object({
  /** Deterministic: UUIDv5 of `${orderId}:${sequence}` (see ./event-id.ts). */
  id: z.uuid(),
  type: z.string().min(1),
  schemaVersion: z.coerce.number().int().positive(),
  /** The order the event is about; also the Kafka key and `ce_subject`. */
  orderId: z.string().min(1),
  /** 1, 2, 3… per order, assigned by the workflow; read models apply each exactly once. */
  sequence: z.coerce.number().int().positive(),
  occurredAt: z.iso.datetime(),
  service: EventService,
  /** The order's id: every event of one saga shares it. */
  correlationId: z.string().min(1),
  /** The id of what caused this event: the previous event of the saga, or the order command. */
  causationId: z.string().min(1),
  traceparent: Traceparent.optional(),
  tracestate: z.string().max(512).optional(),
});
export type EventAttributes = z.infer<typeof EventAttributes>;

/** A decoded, validated event at its type's current schema version. */
export type OrderEvent = {
  [T in OrderEventType]: Omit<EventAttributes, 'type'> & { type: T; data: OrderEventData<T> };
}[OrderEventType];
export type OrderEventOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>;

/** The envelope schema (a discriminated union on `type`), for producers and consumers alike. */
export const OrderEventEnvelope = z.discriminatedUnion(
  'type',
  ORDER_EVENT_TYPES.map((type) =>
    EventAttributes.extend({ type: z.literal(type), data: EVENT_PAYLOADS[type] }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<OrderEvent>;

/** Completes a draft's payload to the current version (fields the publisher derives). */
export function completeEventData(draft: OrderEventDraft): OrderEvent['data'] {
  if (draft.type === 'OrderPlaced') {
    return {
      ...draft.data,
      totalQuantity: draft.data.totalQuantity ?? totalQuantity(draft.data.items),
    };
  }
  return draft.data;
}

/**
 * The event a draft becomes. Correlation is the order; causation is the saga's previous event
 * (a saga's steps run one after another, each caused by the last) or, for the first event,
 * the order command itself, named after the order.
 */
export function envelopeFromDraft(
  draft: OrderEventDraft,
  context: { traceparent?: string; tracestate?: string } = {},
): OrderEvent {
  const causationId =
    draft.sequence > FIRST_EVENT_SEQUENCE
      ? orderEventId(draft.orderId, draft.sequence - 1)
      : `order:${draft.orderId}`;
  const candidate = {
    id: orderEventId(draft.orderId, draft.sequence),
    type: draft.type,
    schemaVersion: EVENT_SCHEMA_VERSIONS[draft.type],
    orderId: draft.orderId,
    sequence: draft.sequence,
    occurredAt: draft.occurredAt,
    // The service that owns the fact, whichever process sends it (the orders worker sends all).
    service: EVENT_OWNER[draft.type],
    correlationId: draft.orderId,
    causationId,
    ...(context.traceparent ? { traceparent: context.traceparent } : {}),
    ...(context.tracestate ? { tracestate: context.tracestate } : {}),
    data: completeEventData(draft),
  };
  // Validate on the way out too: a bad payload fails at its producer, not in every consumer.
  return OrderEventEnvelope.parse(candidate);
}

/** A Kafka message without the client library's types, so adapters stay replaceable. */
export interface EventMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** CloudEvents binary mode: attributes as headers, payload as the JSON value, keyed by order. */
export function toEventMessage(event: OrderEvent): EventMessage {
  const headers: Record<string, string> = {
    [EVENT_HEADERS.id]: event.id,
    [EVENT_HEADERS.source]: eventSource(event.service),
    [EVENT_HEADERS.type]: event.type,
    [EVENT_HEADERS.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [EVENT_HEADERS.time]: event.occurredAt,
    [EVENT_HEADERS.subject]: event.orderId,
    [EVENT_HEADERS.dataSchema]: dataSchemaUri(event.type, event.schemaVersion),
    [EVENT_HEADERS.contentType]: EVENT_CONTENT_TYPE,
    [EVENT_HEADERS.schemaVersion]: String(event.schemaVersion),
    [EVENT_HEADERS.sequence]: String(event.sequence),
    [EVENT_HEADERS.correlationId]: event.correlationId,
    [EVENT_HEADERS.causationId]: event.causationId,
  };
  if (event.traceparent) headers[EVENT_HEADERS.traceparent] = event.traceparent;
  if (event.tracestate) headers[EVENT_HEADERS.tracestate] = event.tracestate;
  return { key: event.orderId, value: JSON.stringify(event.data), headers };
}

/** Headers as Kafka clients hand them over (kafkajs: Buffer, string, arrays or undefined). */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Reads one header as a UTF-8 string (the last value when a header repeats). */
export function headerString(headers: RawHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value === undefined ? undefined : value.toString();
}

/** Why a message cannot be projected; becomes `kafka_dlt-exception-fqcn` in the dead letter. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

export type DecodeResult =
  | { kind: 'event'; event: OrderEvent }
  /** A type this consumer does not know (a newer producer): skipped, counted, not fatal. */
  | { kind: 'unknown-type'; type: string; orderId: string; sequence: number };

const isKnownType = (type: string): type is OrderEventType =>
  Object.prototype.hasOwnProperty.call(EVENT_PAYLOADS, type);

/**
 * Decodes a consumed message: validates the attributes, upcasts an older payload version to
 * the current one and validates it. Throws InvalidEventError (or UnsupportedSchemaVersionError)
 * for a poison message; returns `unknown-type` for an event type this build does not know.
 */
export function decodeEventMessage(message: {
  headers?: RawHeaders;
  value: Buffer | string | null;
}): DecodeResult {
  const h = (name: string) => headerString(message.headers, name);
  const specVersion = h(EVENT_HEADERS.specVersion);
  if (specVersion !== CLOUDEVENTS_SPEC_VERSION) {
    throw new InvalidEventError(
      `not a CloudEvents ${CLOUDEVENTS_SPEC_VERSION} message (ce_specversion=${String(specVersion)})`,
    );
  }
  const source = h(EVENT_HEADERS.source) ?? '';
  const attributes = EventAttributes.safeParse({
    id: h(EVENT_HEADERS.id),
    type: h(EVENT_HEADERS.type),
    schemaVersion: h(EVENT_HEADERS.schemaVersion),
    orderId: h(EVENT_HEADERS.subject),
    sequence: h(EVENT_HEADERS.sequence),
    occurredAt: h(EVENT_HEADERS.time),
    service: SOURCE_PATTERN.exec(source)?.[1],
    correlationId: h(EVENT_HEADERS.correlationId),
    causationId: h(EVENT_HEADERS.causationId),
    traceparent: h(EVENT_HEADERS.traceparent),
    tracestate: h(EVENT_HEADERS.tracestate),
  });
  if (!attributes.success) {
    throw new InvalidEventError(`invalid event attributes: ${z.prettifyError(attributes.error)}`);
  }
  const attrs = attributes.data;
  if (!isKnownType(attrs.type)) {
    return {
      kind: 'unknown-type',
      type: attrs.type,
      orderId: attrs.orderId,
      sequence: attrs.sequence,
    };
  }
  const contentType = h(EVENT_HEADERS.contentType);
  if (contentType !== undefined && !contentType.startsWith(EVENT_CONTENT_TYPE)) {
    throw new InvalidEventError(`unsupported content-type ${contentType}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch (error) {
    throw new InvalidEventError(`payload is not JSON: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = upcast(attrs.type, attrs.schemaVersion, json);
  } catch (error) {
    if (error instanceof UnsupportedSchemaVersionError) throw error;
    throw new InvalidEventError(
      `${attrs.type} v${attrs.schemaVersion} payload cannot be upcast: ${(error as Error).message}`,
    );
  }
  const payload = EVENT_PAYLOADS[attrs.type].safeParse(data);
  if (!payload.success) {
    throw new InvalidEventError(
      `invalid ${attrs.type} v${attrs.schemaVersion} payload: ${z.prettifyError(payload.error)}`,
    );
  }
  const event = {
    ...attrs,
    type: attrs.type,
    // Downstream sees the current version: the payload has been lifted to it.
    schemaVersion: EVENT_SCHEMA_VERSIONS[attrs.type],
    data: payload.data,
  } as OrderEvent; // safe: `data` was validated against EVENT_PAYLOADS[type] just above
  return { kind: 'event', event };
}
