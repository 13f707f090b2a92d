import type { SearchAttributePair } from '@temporalio/common';
import type { OrderEventType } from '../contracts/events';
import type { CancellationReason, OrderSagaInput } from '../contracts/order';
import { OrderTotalKey } from '../contracts/search-attributes';
import type { InventoryActivities } from '../activities/inventory/api';
import type { InventoryFailureType } from '../activities/inventory/errors';
import type { PaymentActivities } from '../activities/payments/api';
import type { PaymentFailureType } from '../activities/payments/errors';
import type { ShippingActivities } from '../activities/shipping/api';
import type { ShippingFailureType } from '../activities/shipping/errors';
import type { EventData } from './order-events';
import type { OrderState, SagaStep } from './order-state';

// The saga's steps, each declared once: its activity, its undo, the event after it and after its
// undo, and the business failures that end it with their cancellation reason. The forward path
// (order-saga.ts) runs them in order through SagaRun.perform, the compensation order follows from
// when each undo is registered (before its step runs), and the failure mapping is looked up here.
// The steps that wait on people or providers (approval, 3-D Secure) are written out in
// order-saga.ts. No Temporal runtime imports: the table is read by unit tests as plain data.

/** Every activity the saga calls, by name (activity-stubs.ts proxies each one). */
export type SagaActivities = InventoryActivities & PaymentActivities & ShippingActivities;
export type ActivityName = keyof SagaActivities;
export type ActivityInput<A extends ActivityName> = Parameters<SagaActivities[A]>[0];
export type ActivityResult<A extends ActivityName> = Awaited<ReturnType<SagaActivities[A]>>;

/** The steps that call a service; each is named after its activity. */
export type ActivityStep = Exclude<SagaStep, 'approval'> & ActivityName;

/** Every business failure a service's activities end with (their errors.ts lists). */
export type ServiceFailureType = InventoryFailureType | PaymentFailureType | ShippingFailureType;

/**
 * Names of the saga's idempotency keys (SagaRun.key: `<workflowId>:<name>`). A forward key is
 * also the id of what its step creates (reservation, payment, shipment), so an undo can name it
 * before its step ran. Never rename one: services keep results under them, orders in flight too.
 */
export type KeyName =
  | 'reserve-inventory'
  | 'release-inventory'
  | 'authorize-payment'
  | 'record-payment-confirmation'
  | 'void-payment'
  | 'create-shipment'
  | 'cancel-shipment'
  | 'capture-payment'
  | 'refund-payment';

/** What a step's declaration reads: the order, its state so far, and its idempotency keys. */
export interface StepContext {
  readonly input: OrderSagaInput;
  readonly state: OrderState;
  readonly key: (name: KeyName) => string;
}

/** A step's undo: its compensating activity, and the event when it found something to undo. */
export interface UndoDeclaration<U extends ActivityName, UE extends OrderEventType> {
  activity: U;
  input(ctx: StepContext): ActivityInput<U>;
  /** False when there was nothing to undo (never done, or already undone): no event then. */
  undid(result: ActivityResult<U>): boolean;
  event: UE;
  data(result: ActivityResult<U>, ctx: StepContext): EventData<UE>;
}

export interface StepDeclaration<
  A extends ActivityStep,
  E extends OrderEventType,
  F extends ServiceFailureType,
  U extends ActivityName,
  UE extends OrderEventType,
> {
  activity: A;
  input(ctx: StepContext): ActivityInput<A>;
  /** What the result writes into the order state (queries, and the steps after it, read it). */
  record?(state: OrderState, result: ActivityResult<A>): void;
  /** Search attributes the result sets (support filters on them in the Temporal UI). */
  searchAttributes?(result: ActivityResult<A>): SearchAttributePair[];
  /** The event published once the step succeeded. */
  event: E;
  data(result: ActivityResult<A>, ctx: StepContext): EventData<E>;
  /** The last step: its event goes out together with OrderCompleted (order-saga.ts). */
  final?: true;
  /** Registered before the step runs: a step that timed out may still have taken effect. */
  undo?: UndoDeclaration<U, UE>;
  /** The business failures that end the step, and the reason the order is cancelled with. */
  failures: Record<F, CancellationReason>;
  /** Published with `{ reason, message }` when one of `failures` ends the step. */
  failureEvent?: 'PaymentDeclined';
}

/** Declares one step; only here to infer its type parameters from the literal. */
const declareStep = <
  A extends ActivityStep,
  E extends OrderEventType,
  F extends ServiceFailureType,
  U extends ActivityName = never,
  UE extends OrderEventType = never,
>(
  step: StepDeclaration<A, E, F, U, UE>,
) => step;

/** The order's total, which every step after pricing charges or announces. */
export function pricedTotal(state: OrderState): number {
  // A plain Error fails the workflow task: a step declared before pricing would be a defect.
  if (state.total === undefined) throw new Error('The order is not priced yet.');
  return state.total;
}

/** The saga's steps in the order they run (the approval, when needed, after pricing). */
export const SAGA_STEP_TABLE = {
  priceOrder: declareStep({
    activity: 'priceOrder',
    input: ({ input }) => ({ orderId: input.orderId, items: input.items }),
    record: (state, priced) => {
      state.items = priced.items;
      state.total = priced.total;
    },
    searchAttributes: (priced) => [{ key: OrderTotalKey, value: priced.total }],
    event: 'OrderPriced',
    data: (priced) => ({ items: priced.items, total: priced.total }),
    failures: { UnknownSku: 'UNKNOWN_SKU' },
  }),
  reserveInventory: declareStep({
    activity: 'reserveInventory',
    input: ({ input, key }) => ({
      idempotencyKey: key('reserve-inventory'),
      orderId: input.orderId,
      items: input.items,
    }),
    record: (state, reserved) => {
      state.reservationId = reserved.reservationId;
    },
    event: 'InventoryReserved',
    data: (reserved, { key }) => ({
      reservationId: key('reserve-inventory'),
      items: reserved.items,
    }),
    undo: {
      activity: 'releaseInventory',
      input: ({ input, key }) => ({
        idempotencyKey: key('release-inventory'),
        orderId: input.orderId,
        reservationId: key('reserve-inventory'),
      }),
      undid: ({ released }) => released,
      event: 'InventoryReleased',
      data: (_, { key }) => ({ reservationId: key('reserve-inventory') }),
    },
    failures: { OutOfStock: 'OUT_OF_STOCK' },
  }),
  authorizePayment: declareStep({
    activity: 'authorizePayment',
    input: ({ input, state, key }) => ({
      idempotencyKey: key('authorize-payment'),
      orderId: input.orderId,
      amount: pricedTotal(state),
      currency: input.currency,
      paymentToken: input.paymentToken,
    }),
    event: 'PaymentAuthorized',
    data: (_, { input, state, key }) => ({
      paymentId: key('authorize-payment'),
      amount: pricedTotal(state),
      currency: input.currency,
    }),
    undo: {
      activity: 'voidPayment',
      input: ({ key }) => ({
        idempotencyKey: key('void-payment'),
        paymentId: key('authorize-payment'),
      }),
      undid: ({ voided }) => voided,
      event: 'PaymentVoided',
      data: (_, { key }) => ({ paymentId: key('authorize-payment') }),
    },
    failures: { PaymentDeclined: 'PAYMENT_DECLINED' },
    failureEvent: 'PaymentDeclined',
  }),
  createShipment: declareStep({
    activity: 'createShipment',
    input: ({ input, key }) => ({
      idempotencyKey: key('create-shipment'),
      orderId: input.orderId,
      address: input.shippingAddress,
      items: input.items,
    }),
    record: (state, shipment) => {
      state.shipmentId = shipment.shipmentId;
      state.trackingNumber = shipment.trackingNumber;
    },
    // From SHIPMENT_CREATED on the customer can no longer cancel (order-state.ts).
    event: 'ShipmentCreated',
    data: ({ shipmentId, trackingNumber }) => ({ shipmentId, trackingNumber }),
    undo: {
      activity: 'cancelShipment',
      input: ({ input, key }) => ({
        idempotencyKey: key('cancel-shipment'),
        orderId: input.orderId,
        shipmentId: key('create-shipment'),
      }),
      undid: ({ cancelled }) => cancelled,
      event: 'ShipmentCancelled',
      data: (_, { key }) => ({ shipmentId: key('create-shipment') }),
    },
    failures: { ShippingUnavailable: 'SHIPPING_UNAVAILABLE' },
  }),
  capturePayment: declareStep({
    activity: 'capturePayment',
    input: ({ key }) => ({
      idempotencyKey: key('capture-payment'),
      paymentId: key('authorize-payment'),
    }),
    event: 'PaymentCaptured',
    data: ({ amount }, { key }) => ({ paymentId: key('authorize-payment'), amount }),
    final: true,
    undo: {
      activity: 'refundPayment',
      input: ({ key }) => ({
        idempotencyKey: key('refund-payment'),
        paymentId: key('authorize-payment'),
      }),
      undid: ({ refunded }) => refunded,
      event: 'PaymentRefunded',
      data: ({ amount }, { key }) => ({ paymentId: key('authorize-payment'), amount }),
    },
    failures: { CaptureDeclined: 'CAPTURE_FAILED' },
  }),
} satisfies { [S in ActivityStep]: { activity: S } };

type Table = typeof SAGA_STEP_TABLE;

/** The table's steps in the order they run. */
export const ACTIVITY_STEPS = Object.keys(SAGA_STEP_TABLE) as ActivityStep[];

/** The compensating actions, shown in the order state while they are pending. */
export type CompensationStep = {
  [S in ActivityStep]: NonNullable<Table[S]['undo']>['activity'];
}[ActivityStep];

/**
 * Failures only a late attempt meets, after its step's own undo ran: the service keeps a
 * tombstone, so the late attempt does nothing. The saga schedules no attempt after its undo (one
 * saga per order, ever), so none reaches it; one that did would be a defect, and fails the
 * workflow task until a fix is deployed (order-saga.ts, classify).
 */
export const LATE_ATTEMPT_FAILURES = [
  'ReservationReleased',
  'PaymentVoided',
  'ShipmentCancelled',
] as const satisfies readonly ServiceFailureType[];

type MappedFailure = { [S in ActivityStep]: keyof Table[S]['failures'] }[ActivityStep];
type UnmappedFailure = Exclude<
  ServiceFailureType,
  MappedFailure | (typeof LATE_ATTEMPT_FAILURES)[number]
>;
/**
 * Compiles only while every service failure is either mapped by a step or a late attempt's: a
 * new type in a service's errors.ts fails here, naming itself ("not assignable to 'NewType'").
 */
export const EVERY_FAILURE_MAPPED: [UnmappedFailure] extends [never] ? true : UnmappedFailure =
  true;

/** The failure types that end a step: business outcomes, not defects (logged as such). */
export const STEP_FAILURE_TYPES: ReadonlySet<string> = new Set(
  ACTIVITY_STEPS.flatMap((step) => Object.keys(SAGA_STEP_TABLE[step].failures)),
);

/** The reason a failure of `type` ends `step` with; undefined when the step does not end on it. */
export function failureReason(
  step: SagaStep,
  type: string | undefined,
): CancellationReason | undefined {
  if (step === 'approval' || type === undefined) return undefined;
  const failures: Readonly<Record<string, CancellationReason>> = SAGA_STEP_TABLE[step].failures;
  return Object.prototype.hasOwnProperty.call(failures, type) ? failures[type] : undefined;
}

/** What the table says happens when `step` fails for a business reason. */
export interface FailureSpecification {
  reason: CancellationReason;
  /** Events of the steps that succeeded, from OrderPriced on (no approval). */
  before: OrderEventType[];
  /** The compensations that run, most recent first: the failing step's own too (see `undo`). */
  compensations: CompensationStep[];
  /**
   * The events after the failure when every undo of a step that succeeded finds something and
   * the failing step's own finds nothing: its failure event, OrderCompensating when something is
   * compensated, the undo events, OrderCancelled.
   */
  after: OrderEventType[];
}

/** Given `step` fails with `type`: the reason, the compensations and the events (pure). */
export function specifyFailure(
  step: ActivityStep,
  type: ServiceFailureType,
): FailureSpecification | undefined {
  const reason = failureReason(step, type);
  if (reason === undefined) return undefined;
  const ran = ACTIVITY_STEPS.slice(0, ACTIVITY_STEPS.indexOf(step));
  const undos = [...ran, step].reverse().flatMap((s) => {
    const undo = SAGA_STEP_TABLE[s].undo;
    return undo ? [{ step: s, undo }] : [];
  });
  const { failureEvent } = SAGA_STEP_TABLE[step];
  return {
    reason,
    before: ran.map((s) => SAGA_STEP_TABLE[s].event),
    compensations: undos.map(({ undo }) => undo.activity),
    after: [
      ...(failureEvent ? [failureEvent] : []),
      ...(undos.length > 0 ? ['OrderCompensating' as const] : []),
      ...undos.filter((u) => u.step !== step).map(({ undo }) => undo.event),
      'OrderCancelled',
    ],
  };
}
