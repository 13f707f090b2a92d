import { z } from 'zod';
import {
  CancellationReason,
  CurrencyCode,
  MinorUnits,
  OrderAmount,
  OrderItem,
  PricedItem,
  CountryCode,
} from './order';
import type { Service } from './services';

// Domain events of the order saga: past-tense facts, each with a payload schema and a version.
// The envelope (CloudEvents on Kafka) lives in ./event-envelope.ts; this file is the vocabulary.

const iso = z.iso.datetime();

/** `OrderPlaced` as first published (schema version 1); kept so old events can be upcast. */
export const OrderPlacedV1 = z.object({
  customerId: z.string(),
  currency: CurrencyCode,
  items: z.array(OrderItem),
  shippingCountry: CountryCode,
});

/** `OrderApproved` v1: who approved, without their note. */
export const OrderApprovedV1 = z.object({ decidedBy: z.string().optional() });
/** `OrderRejected` v1: who rejected, without their note. */
export const OrderRejectedV1 = z.object({
  reason: z.enum(['APPROVAL_REJECTED', 'APPROVAL_TIMEOUT']),
  decidedBy: z.string().optional(),
});
/** `OrderCancelled` v1: the reason and message, without who decided it. */
export const OrderCancelledV1 = z.object({
  reason: CancellationReason,
  message: z.string().optional(),
});

/**
 * Who decided, when a person did (support's subject, or whoever asked to cancel), and the note
 * they gave. Added in v2 of OrderApproved (`note`), OrderRejected (`note`) and OrderCancelled
 * (both): the v1 schemas allow no other field, so the additions are a new version.
 */
const decision = { decidedBy: z.string().optional(), note: z.string().optional() };

/** Every order's events are numbered from this one (OrderPlaced), one by one, without gaps. */
export const FIRST_EVENT_SEQUENCE = 1;

/** Units across all lines; `OrderPlaced` v2 carries it so consumers need not sum the lines. */
export const totalQuantity = (items: readonly { quantity: number }[]): number =>
  items.reduce((sum, item) => sum + item.quantity, 0);

/** Current payload schema of every event type (the version in EVENT_SCHEMA_VERSIONS). */
export const EVENT_PAYLOADS = {
  OrderPlaced: OrderPlacedV1.extend({ totalQuantity: z.number().int().positive() }),
  OrderPriced: z.object({ items: z.array(PricedItem), total: OrderAmount }),
  OrderAwaitingApproval: z.object({ total: OrderAmount, threshold: MinorUnits, decideBy: iso }),
  OrderApproved: OrderApprovedV1.extend(decision),
  OrderRejected: OrderRejectedV1.extend(decision),
  InventoryReserved: z.object({ reservationId: z.string(), items: z.array(OrderItem) }),
  InventoryReleased: z.object({ reservationId: z.string() }),
  PaymentConfirmationRequired: z.object({ paymentId: z.string(), confirmBy: iso }),
  PaymentAuthorized: z.object({
    paymentId: z.string(),
    amount: OrderAmount,
    currency: CurrencyCode,
  }),
  PaymentDeclined: z.object({ reason: z.string(), message: z.string().optional() }),
  PaymentCaptured: z.object({ paymentId: z.string(), amount: OrderAmount }),
  PaymentVoided: z.object({ paymentId: z.string() }),
  PaymentRefunded: z.object({ paymentId: z.string(), amount: OrderAmount }),
  ShipmentCreated: z.object({ shipmentId: z.string(), trackingNumber: z.string() }),
  ShipmentCancelled: z.object({ shipmentId: z.string() }),
  OrderCompensating: z.object({ reason: CancellationReason }),
  CompensationFailed: z.object({ step: z.string(), message: z.string() }),
  CompensationRetried: z.object({ step: z.string() }),
  OrderCompleted: z.object({ total: OrderAmount }),
  OrderCancelled: OrderCancelledV1.extend(decision),
} as const;

export type OrderEventType = keyof typeof EVENT_PAYLOADS;
export const ORDER_EVENT_TYPES = Object.keys(EVENT_PAYLOADS) as OrderEventType[];
export type OrderEventData<T extends OrderEventType> = z.infer<(typeof EVENT_PAYLOADS)[T]>;

/**
 * Schema version each producer emits today. Bump it when a payload changes incompatibly, keep
 * the old schema and add an upcaster in ./event-upcasters.ts so consumers still read old events.
 */
export const EVENT_SCHEMA_VERSIONS: Record<OrderEventType, number> = {
  ...(Object.fromEntries(ORDER_EVENT_TYPES.map((t) => [t, 1])) as Record<OrderEventType, number>),
  OrderPlaced: 2,
  OrderApproved: 2,
  OrderRejected: 2,
  OrderCancelled: 2,
};

/**
 * What a producer supplies for each event: the current payload without the fields the
 * publisher derives (OrderPlaced's `totalQuantity`, added in v2), so producers written against
 * v1 keep compiling. `completeEventData` fills them in.
 */
export type OrderEventDraftData<T extends OrderEventType> = T extends 'OrderPlaced'
  ? z.infer<typeof OrderPlacedV1> & { totalQuantity?: number }
  : OrderEventData<T>;

/** Which service owns (and publishes) each event. */
export const EVENT_OWNER: Record<OrderEventType, Service> = {
  OrderPlaced: 'orders',
  OrderPriced: 'inventory',
  OrderAwaitingApproval: 'orders',
  OrderApproved: 'orders',
  OrderRejected: 'orders',
  InventoryReserved: 'inventory',
  InventoryReleased: 'inventory',
  PaymentConfirmationRequired: 'payments',
  PaymentAuthorized: 'payments',
  PaymentDeclined: 'payments',
  PaymentCaptured: 'payments',
  PaymentVoided: 'payments',
  PaymentRefunded: 'payments',
  ShipmentCreated: 'shipping',
  ShipmentCancelled: 'shipping',
  OrderCompensating: 'orders',
  CompensationFailed: 'orders',
  CompensationRetried: 'orders',
  OrderCompleted: 'orders',
  OrderCancelled: 'orders',
};

/**
 * What the workflow hands to the publishing activity: the fact, its per-order sequence number
 * (assigned deterministically by the workflow) and the workflow time it occurred at. The event
 * id is derived from `orderId` and `sequence`, so a retried publish carries the same id.
 */
export type OrderEventDraft = {
  [T in OrderEventType]: {
    orderId: string;
    sequence: number;
    type: T;
    occurredAt: string;
    data: OrderEventDraftData<T>;
  };
}[OrderEventType];
