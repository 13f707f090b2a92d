import type { OrderEvent } from '../contracts/event-envelope';
import { envelopeFromDraft } from '../contracts/event-envelope';
import type { OrderEventDraft } from '../contracts/events';
import type { CancellationReason, OrderItemRequest } from '../contracts/order';

// Deterministic event streams of whole sagas, as the workflow would publish them, for tests,
// the benchmark and demos. Plain data in, events out: no randomness inside.

export type SagaOutcome =
  | 'completed'
  | 'approved-then-completed'
  | 'payment-confirmed-then-completed'
  | 'out-of-stock'
  | 'payment-declined'
  | 'shipping-unavailable'
  | 'compensation-failed';

export const SAGA_OUTCOMES: readonly SagaOutcome[] = [
  'completed',
  'approved-then-completed',
  'payment-confirmed-then-completed',
  'out-of-stock',
  'payment-declined',
  'shipping-unavailable',
  'compensation-failed',
];

export interface SagaSpec {
  orderId: string;
  customerId: string;
  items: OrderItemRequest[];
  outcome: SagaOutcome;
  /** Epoch ms of the first event; each later event is one second after the previous. */
  startMs: number;
  /** Price per unit of a SKU in minor units. */
  unitPrice?: (sku: string) => number;
}

type DraftBody = {
  [D in OrderEventDraft as D['type']]: Pick<D, 'type' | 'data'>;
}[OrderEventDraft['type']];

const defaultPrice = (sku: string): number =>
  100 + [...sku].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);

function bodies(spec: SagaSpec): DraftBody[] {
  const price = spec.unitPrice ?? defaultPrice;
  const priced = spec.items.map((item) => ({
    ...item,
    unitPrice: price(item.sku),
    lineTotal: price(item.sku) * item.quantity,
  }));
  const total = priced.reduce((sum, item) => sum + item.lineTotal, 0);
  const reservationId = `res-${spec.orderId}`;
  const paymentId = `pay-${spec.orderId}`;
  const shipmentId = `shp-${spec.orderId}`;
  const later = new Date(spec.startMs + 3_600_000).toISOString();
  const cancelled = (reason: CancellationReason): DraftBody[] => [
    { type: 'OrderCompensating', data: { reason } },
  ];

  const head: DraftBody[] = [
    {
      type: 'OrderPlaced',
      data: {
        customerId: spec.customerId,
        currency: 'USD',
        items: spec.items,
        shippingCountry: 'US',
      },
    },
    { type: 'OrderPriced', data: { items: priced, total } },
  ];
  const reserve: DraftBody = {
    type: 'InventoryReserved',
    data: { reservationId, items: spec.items },
  };
  const authorize: DraftBody = {
    type: 'PaymentAuthorized',
    data: { paymentId, amount: total, currency: 'USD' },
  };
  const ship: DraftBody = {
    type: 'ShipmentCreated',
    data: { shipmentId, trackingNumber: `TRK${spec.orderId}` },
  };
  const complete: DraftBody[] = [
    { type: 'PaymentCaptured', data: { paymentId, amount: total } },
    { type: 'OrderCompleted', data: { total } },
  ];

  switch (spec.outcome) {
    case 'completed':
      return [...head, reserve, authorize, ship, ...complete];
    case 'approved-then-completed':
      return [
        ...head,
        { type: 'OrderAwaitingApproval', data: { total, threshold: 1, decideBy: later } },
        { type: 'OrderApproved', data: { decidedBy: 'staff-1' } },
        reserve,
        authorize,
        ship,
        ...complete,
      ];
    case 'payment-confirmed-then-completed':
      return [
        ...head,
        reserve,
        { type: 'PaymentConfirmationRequired', data: { paymentId, confirmBy: later } },
        authorize,
        ship,
        ...complete,
      ];
    case 'out-of-stock':
      return [...head, { type: 'OrderCancelled', data: { reason: 'OUT_OF_STOCK' } }];
    case 'payment-declined':
      return [
        ...head,
        reserve,
        { type: 'PaymentDeclined', data: { reason: 'card_declined' } },
        ...cancelled('PAYMENT_DECLINED'),
        { type: 'InventoryReleased', data: { reservationId } },
        { type: 'OrderCancelled', data: { reason: 'PAYMENT_DECLINED' } },
      ];
    case 'shipping-unavailable':
      return [
        ...head,
        reserve,
        authorize,
        ...cancelled('SHIPPING_UNAVAILABLE'),
        { type: 'PaymentVoided', data: { paymentId } },
        { type: 'InventoryReleased', data: { reservationId } },
        { type: 'OrderCancelled', data: { reason: 'SHIPPING_UNAVAILABLE' } },
      ];
    case 'compensation-failed':
      return [
        ...head,
        reserve,
        authorize,
        ship,
        ...cancelled('CAPTURE_FAILED'),
        { type: 'ShipmentCancelled', data: { shipmentId } },
        { type: 'CompensationFailed', data: { step: 'voidPayment', message: 'provider down' } },
      ];
    default: {
      const unreachable: never = spec.outcome;
      return unreachable;
    }
  }
}

/** The drafts a saga's workflow would hand to the publishing activity, in order. */
export function sagaDrafts(spec: SagaSpec): OrderEventDraft[] {
  return bodies(spec).map(
    (body, index) => ({
      ...body,
      orderId: spec.orderId,
      sequence: index + 1,
      occurredAt: new Date(spec.startMs + index * 1000).toISOString(),
    }), // safe: `type` and `data` come paired from DraftBody
  );
}

/** The events a saga publishes, each from the service that owns it. */
export const sagaEvents = (spec: SagaSpec): OrderEvent[] =>
  sagaDrafts(spec).map((draft) => envelopeFromDraft(draft));

/** A reproducible mix of sagas: `count` orders over `customers` customers and `skus` SKUs. */
export function sampleSagas(options: {
  count: number;
  customers?: number;
  skus?: number;
  prefix?: string;
  startMs?: number;
}): SagaSpec[] {
  const customers = options.customers ?? Math.max(1, Math.floor(options.count / 3));
  const skus = options.skus ?? 20;
  const startMs = options.startMs ?? Date.UTC(2026, 0, 1);
  return Array.from({ length: options.count }, (_, i) => ({
    orderId: `${options.prefix ?? 'ord'}-${i}`,
    customerId: `cust-${i % customers}`,
    items: [
      { sku: `SKU-${i % skus}`, quantity: 1 + (i % 3) },
      ...(i % 2 === 0 ? [{ sku: `SKU-${(i * 7 + 3) % skus}`, quantity: 2 }] : []),
    ],
    outcome: SAGA_OUTCOMES[i % SAGA_OUTCOMES.length],
    startMs: startMs + i * 60_000,
  }));
}
