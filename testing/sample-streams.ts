import type { OrderEvent } from '../contracts/event-envelope';
import { envelopeFromDraft } from '../contracts/event-envelope';
import { FIRST_EVENT_SEQUENCE } from '../contracts/events';
import type { OrderEventDraft } from '../contracts/events';
import { orderWorkflowId } from '../contracts/order';
import type { CancellationReason, OrderItemRequest } from '../contracts/order';

// The one builder of order event streams, for tests, the benchmark and demos: what the saga
// publishes on each of its paths (the drafts its workflow hands to the publishing activity), as
// plain data, with no randomness. Checked against the recorded workflow histories
// (test/workflows/sample-streams.unit.test.ts) and against a run of today's workflow
// (test/workflows/recorded-paths.workflow.test.ts).

/** One event's type and payload, paired as in OrderEventDraft. */
export type EventBody = {
  [D in OrderEventDraft as D['type']]: Pick<D, 'type' | 'data'>;
}[OrderEventDraft['type']];

const DEFAULT_START_MS = Date.UTC(2026, 0, 1);

/** `bodies` as one order's drafts: numbered from the first sequence, one second apart. */
export function orderDrafts(
  orderId: string,
  bodies: readonly EventBody[],
  startMs = DEFAULT_START_MS,
): OrderEventDraft[] {
  return bodies.map((body, index) => ({
    ...body,
    orderId,
    sequence: FIRST_EVENT_SEQUENCE + index,
    occurredAt: new Date(startMs + index * 1000).toISOString(),
  }));
}

/** `bodies` as one order's events, each from the service that owns it. */
export const orderStream = (
  orderId: string,
  bodies: readonly EventBody[],
  startMs = DEFAULT_START_MS,
): OrderEvent[] => orderDrafts(orderId, bodies, startMs).map((draft) => envelopeFromDraft(draft));

/** An OrderPlaced of two lines, for streams written by hand. */
export const placed = (customerId = 'cust-1'): EventBody => ({
  type: 'OrderPlaced',
  data: {
    customerId,
    currency: 'USD',
    items: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
    shippingCountry: 'US',
  },
});

/** The OrderPriced that follows `placed()`. */
export const priced: EventBody = {
  type: 'OrderPriced',
  data: {
    items: [
      { sku: 'SKU-A', quantity: 2, unitPrice: 500, lineTotal: 1000 },
      { sku: 'SKU-B', quantity: 1, unitPrice: 250, lineTotal: 250 },
    ],
    total: 1250,
  },
};

export type SagaOutcome =
  | 'completed'
  | 'approved-then-completed'
  | 'payment-confirmed-then-completed'
  | 'out-of-stock'
  | 'payment-declined'
  | 'shipping-unavailable'
  | 'compensation-failed'
  | 'compensation-failed-retried'
  | 'approval-rejected'
  | 'customer-cancelled';

type ForwardStep = 'reserveInventory' | 'authorizePayment' | 'createShipment' | 'capturePayment';
type Undo = 'releaseInventory' | 'voidPayment' | 'cancelShipment' | 'refundPayment';

/** What happens on a path, beside the forward steps that succeed. */
interface Path {
  approval?: 'approved' | 'rejected';
  /** 3-D Secure: the provider confirms, or the customer cancels while the saga waits for it. */
  confirmation?: 'confirmed' | 'cancelled';
  /** The step that ends the forward path; `tookEffect`: its own undo finds something. */
  endsAt?: { step: ForwardStep; reason: CancellationReason; tookEffect?: boolean };
  /** An undo that fails for good; `retried`: support has it retried, and it succeeds. */
  stuck?: { undo: Undo; retried: boolean };
}

const PATHS: Readonly<Record<SagaOutcome, Path>> = {
  completed: {},
  'approved-then-completed': { approval: 'approved' },
  'payment-confirmed-then-completed': { confirmation: 'confirmed' },
  'out-of-stock': { endsAt: { step: 'reserveInventory', reason: 'OUT_OF_STOCK' } },
  'payment-declined': { endsAt: { step: 'authorizePayment', reason: 'PAYMENT_DECLINED' } },
  'shipping-unavailable': { endsAt: { step: 'createShipment', reason: 'SHIPPING_UNAVAILABLE' } },
  'compensation-failed': {
    endsAt: { step: 'capturePayment', reason: 'CAPTURE_FAILED' },
    stuck: { undo: 'voidPayment', retried: false },
  },
  'compensation-failed-retried': {
    endsAt: { step: 'createShipment', reason: 'SHIPPING_UNAVAILABLE' },
    stuck: { undo: 'voidPayment', retried: true },
  },
  'approval-rejected': { approval: 'rejected' },
  'customer-cancelled': {
    confirmation: 'cancelled',
    endsAt: { step: 'authorizePayment', reason: 'CUSTOMER_CANCELLED', tookEffect: true },
  },
};

/** Every path, in the order `sampleSagas` mixes them. */
export const SAGA_OUTCOMES = Object.keys(PATHS) as SagaOutcome[];

/** What the services and people answered, where a path depends on it. */
export interface SagaAnswers {
  currency: string;
  shippingCountry: string;
  trackingNumber: string;
  /** The amount the capture reports; by default the order's total. */
  capturedAmount?: number;
  /** The message of the business failure that ends the path. */
  failureMessage: string;
  /** The message of the undo that fails for good. */
  stuckMessage: string;
  /** Whether an undo found something; by default when its step succeeded or took effect. */
  undid?: (undo: Undo, stepTookEffect: boolean) => boolean;
  /** Who decided (support approving or rejecting, or whoever cancelled) and their note. */
  decision: { decidedBy?: string; note?: string };
  approvalThreshold: number;
  approvalTimeoutMs: number;
  confirmationTimeoutMs: number;
}

export interface SagaSpec {
  orderId: string;
  customerId: string;
  items: OrderItemRequest[];
  outcome: SagaOutcome;
  /** Epoch ms of the first event; each later event is one second after the previous. */
  startMs: number;
  /** Price per unit of a SKU in minor units. */
  unitPrice?: (sku: string) => number;
  answers?: Partial<SagaAnswers>;
}

const defaultPrice = (sku: string): number =>
  100 + [...sku].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);

const defaultAnswers = (spec: SagaSpec): SagaAnswers => ({
  currency: 'USD',
  shippingCountry: 'US',
  trackingNumber: `TRK${spec.orderId}`,
  failureMessage: `${PATHS[spec.outcome].endsAt?.reason ?? 'no failure'} (sample)`,
  stuckMessage: 'provider down',
  decision: PATHS[spec.outcome].approval
    ? { decidedBy: 'support-1' }
    : { decidedBy: spec.customerId },
  approvalThreshold: 100_000,
  approvalTimeoutMs: 24 * 60 * 60 * 1000,
  confirmationTimeoutMs: 15 * 60 * 1000,
});

/** The saga's ids: each is the idempotency key of the step that creates it (saga-steps.ts). */
const keyOf = (orderId: string, name: string): string => `${orderWorkflowId(orderId)}:${name}`;

/** A stream being written: the bodies so far, and the time the next one occurs at. */
class Stream {
  readonly bodies: EventBody[] = [];
  constructor(private readonly startMs: number) {}
  /** When the next event occurs (events are one second apart). */
  get nextAt(): number {
    return this.startMs + this.bodies.length * 1000;
  }
  push(...bodies: EventBody[]): void {
    this.bodies.push(...bodies);
  }
}

function bodies(spec: SagaSpec): EventBody[] {
  const path = PATHS[spec.outcome];
  const answers = { ...defaultAnswers(spec), ...spec.answers };
  const stream = new Stream(spec.startMs);
  const total = placeAndPrice(stream, spec, answers);
  if (path.approval && !approve(stream, path.approval, total, answers)) return stream.bodies;
  const ids: SagaIds = {
    reservationId: keyOf(spec.orderId, 'reserve-inventory'),
    paymentId: keyOf(spec.orderId, 'authorize-payment'),
    shipmentId: keyOf(spec.orderId, 'create-shipment'),
  };
  const forward = forwardEvents(ids, spec.items, total, answers);
  const steps = Object.keys(forward) as ForwardStep[];
  for (const step of steps) {
    if (step === 'authorizePayment' && path.confirmation) {
      const confirmBy = new Date(stream.nextAt + answers.confirmationTimeoutMs).toISOString();
      stream.push({
        type: 'PaymentConfirmationRequired',
        data: { paymentId: ids.paymentId, confirmBy },
      });
    }
    if (path.endsAt?.step === step) {
      const started = steps.slice(0, steps.indexOf(step) + 1);
      compensate(stream, started, path.endsAt, path.stuck, answers, ids);
      return stream.bodies;
    }
    if (step !== 'capturePayment') stream.push(forward[step]);
  }
  stream.push(forward.capturePayment, { type: 'OrderCompleted', data: { total } });
  return stream.bodies;
}

/** OrderPlaced and OrderPriced; returns the order's total. */
function placeAndPrice(stream: Stream, spec: SagaSpec, answers: SagaAnswers): number {
  const price = spec.unitPrice ?? defaultPrice;
  const items = spec.items.map((item) => ({
    ...item,
    unitPrice: price(item.sku),
    lineTotal: price(item.sku) * item.quantity,
  }));
  const total = items.reduce((sum, item) => sum + item.lineTotal, 0);
  stream.push(
    {
      type: 'OrderPlaced',
      data: {
        customerId: spec.customerId,
        currency: answers.currency,
        items: spec.items,
        shippingCountry: answers.shippingCountry,
      },
    },
    { type: 'OrderPriced', data: { items, total } },
  );
  return total;
}

/** The event each forward step publishes when it succeeds. */
function forwardEvents(
  ids: SagaIds,
  items: SagaSpec['items'],
  total: number,
  answers: SagaAnswers,
): Record<ForwardStep, EventBody> {
  return {
    reserveInventory: {
      type: 'InventoryReserved',
      data: { reservationId: ids.reservationId, items },
    },
    authorizePayment: {
      type: 'PaymentAuthorized',
      data: { paymentId: ids.paymentId, amount: total, currency: answers.currency },
    },
    createShipment: {
      type: 'ShipmentCreated',
      data: { shipmentId: ids.shipmentId, trackingNumber: answers.trackingNumber },
    },
    capturePayment: {
      type: 'PaymentCaptured',
      data: { paymentId: ids.paymentId, amount: answers.capturedAmount ?? total },
    },
  };
}

/** Support's decision; false when it rejected the order (the stream is then complete). */
function approve(
  stream: Stream,
  decision: 'approved' | 'rejected',
  total: number,
  answers: SagaAnswers,
): boolean {
  const decideBy = new Date(stream.nextAt + answers.approvalTimeoutMs).toISOString();
  stream.push({
    type: 'OrderAwaitingApproval',
    data: { total, threshold: answers.approvalThreshold, decideBy },
  });
  if (decision === 'approved') {
    stream.push({ type: 'OrderApproved', data: answers.decision });
    return true;
  }
  stream.push(
    { type: 'OrderRejected', data: { reason: 'APPROVAL_REJECTED', ...answers.decision } },
    {
      type: 'OrderCancelled',
      data: { reason: 'APPROVAL_REJECTED', message: 'Rejected by support.', ...answers.decision },
    },
  );
  return false;
}

/** The ids of what the saga's steps create: each is its step's idempotency key (saga-steps.ts). */
interface SagaIds {
  reservationId: string;
  paymentId: string;
  shipmentId: string;
}

/** The end of a failed path: the undo of every step started, most recent first. */
function compensate(
  stream: Stream,
  started: ForwardStep[],
  ended: NonNullable<Path['endsAt']>,
  stuck: Path['stuck'],
  answers: SagaAnswers,
  { reservationId, paymentId, shipmentId }: SagaIds,
): void {
  const customer = ended.reason === 'CUSTOMER_CANCELLED';
  const message = customer ? 'Cancelled by the customer.' : answers.failureMessage;
  if (ended.step === 'authorizePayment' && !customer)
    stream.push({ type: 'PaymentDeclined', data: { reason: ended.reason, message } });
  stream.push({ type: 'OrderCompensating', data: { reason: ended.reason } });
  const undos: Record<ForwardStep, [Undo, EventBody]> = {
    reserveInventory: ['releaseInventory', { type: 'InventoryReleased', data: { reservationId } }],
    authorizePayment: ['voidPayment', { type: 'PaymentVoided', data: { paymentId } }],
    createShipment: ['cancelShipment', { type: 'ShipmentCancelled', data: { shipmentId } }],
    // Only the capture itself can end the path after it, so a refund finds nothing by default.
    capturePayment: [
      'refundPayment',
      { type: 'PaymentRefunded', data: { paymentId, amount: answers.capturedAmount ?? 0 } },
    ],
  };
  const undid = answers.undid ?? ((_: Undo, tookEffect: boolean) => tookEffect);
  for (const step of [...started].reverse()) {
    const [undo, event] = undos[step];
    if (stuck?.undo === undo) {
      stream.push({
        type: 'CompensationFailed',
        data: { step: undo, message: answers.stuckMessage },
      });
      if (!stuck.retried) return; // waits for support: COMPENSATION_FAILED
      stream.push({ type: 'CompensationRetried', data: { step: undo } });
    }
    const tookEffect = step !== ended.step || ended.tookEffect === true;
    if (undid(undo, tookEffect)) stream.push(event);
  }
  const decision = customer ? answers.decision : {};
  stream.push({ type: 'OrderCancelled', data: { reason: ended.reason, message, ...decision } });
}

/** The drafts a saga's workflow would hand to the publishing activity, in order. */
export const sagaDrafts = (spec: SagaSpec): OrderEventDraft[] =>
  orderDrafts(spec.orderId, bodies(spec), spec.startMs);

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
  const startMs = options.startMs ?? DEFAULT_START_MS;
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
