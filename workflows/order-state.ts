import type {
  CancellationReason,
  OrderSagaInput,
  OrderStatus,
  PricedItem,
} from '../contracts/order';
import type { CompensationStep } from './saga-steps';
import { rejection } from './update-rejections';
import type { UpdateRejection, UpdateRejectionReason } from './update-rejections';

// The order's state as the workflow keeps it and the `getOrderState` query returns it, plus the
// pure rules that decide which messages are accepted in which state. No Temporal imports.

export const SAGA_STEPS = [
  'priceOrder',
  'approval',
  'reserveInventory',
  'authorizePayment',
  'createShipment',
  'capturePayment',
] as const;
export type SagaStep = (typeof SAGA_STEPS)[number];

/** Who decided, when a person did (support, or whoever asked to cancel), and their note. */
export interface Decision {
  decidedBy?: string;
  note?: string;
}

export type StepOutcome =
  'NOT_STARTED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELLED' | 'COMPENSATED';

export interface OrderState {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  cancellationReason?: CancellationReason;
  /** What ended the forward path, when something did. */
  failure?: { step: SagaStep; message: string };
  cancellationRequested: boolean;
  items?: PricedItem[];
  total?: number;
  paymentId?: string;
  reservationId?: string;
  shipmentId?: string;
  trackingNumber?: string;
  steps: Record<SagaStep, StepOutcome>;
  /** Compensations still to run, in the order they will run (empty unless compensating). */
  pendingCompensations: CompensationStep[];
  /** The compensation that failed and waits for support's `retryCompensation`. */
  failingCompensation?: { step: CompensationStep; message: string };
  /** Sequence number of the last domain event published for this order (the API's `version`). */
  version: number;
}

export function initialOrderState(input: OrderSagaInput): OrderState {
  return {
    orderId: input.orderId,
    customerId: input.customerId,
    status: 'PENDING',
    cancellationRequested: false,
    steps: {
      priceOrder: 'NOT_STARTED',
      approval: 'NOT_STARTED',
      reserveInventory: 'NOT_STARTED',
      authorizePayment: 'NOT_STARTED',
      createShipment: 'NOT_STARTED',
      capturePayment: 'NOT_STARTED',
    },
    pendingCompensations: [],
    version: 0,
  };
}

/** Orders strictly above the threshold wait for a support decision. */
export const needsApproval = (total: number, threshold: number): boolean => total > threshold;

const FORWARD_STATUSES: readonly OrderStatus[] = [
  'PENDING',
  'AWAITING_APPROVAL',
  'INVENTORY_RESERVED',
  'AWAITING_PAYMENT_CONFIRMATION',
  'PAYMENT_AUTHORIZED',
];

// Each `…Rejection` returns why a message is refused in this state, or undefined when accepted.
// Update validators throw it as a typed failure, which the API answers with 409.

/** One reason to refuse: whether it applies, then the typed reason and the message for people. */
type Rule = [applies: boolean, reason: UpdateRejectionReason, message: string];

/** The first rule that applies refuses the message; none applying accepts it. */
function firstRefusal(...rules: Rule[]): UpdateRejection | undefined {
  const hit = rules.find(([applies]) => applies);
  return hit && rejection(hit[1], hit[2]);
}

/**
 * Whether an order in `status` is too late to cancel: its shipment exists (or it completed).
 * The one rule: the workflow refuses with TOO_LATE_TO_CANCEL, and callers that only know a
 * finished order's status (the API, test fakes) answer the same.
 */
export const isTooLateToCancel = (status: OrderStatus): boolean =>
  status === 'SHIPMENT_CREATED' || status === 'COMPLETED';

/** The customer may cancel until the shipment exists; a repeated request is accepted. */
export function cancelRejection(state: OrderState): UpdateRejection | undefined {
  if (state.cancellationRequested) return undefined; // changes nothing, so it is not refused
  return firstRefusal(
    [
      isTooLateToCancel(state.status),
      'TOO_LATE_TO_CANCEL',
      'The shipment has already been created; the order can no longer be cancelled.',
    ],
    [
      !FORWARD_STATUSES.includes(state.status),
      'ALREADY_CANCELLING',
      `The order is already being cancelled (status ${state.status}).`,
    ],
  );
}

export function decisionRejection(
  state: OrderState,
  decided: boolean,
): UpdateRejection | undefined {
  return firstRefusal(
    [decided, 'ALREADY_DECIDED', 'A decision has already been made.'],
    [
      state.status !== 'AWAITING_APPROVAL' || state.steps.approval !== 'RUNNING',
      'NOT_AWAITING_APPROVAL',
      `The order is not awaiting approval (status ${state.status}).`,
    ],
  );
}

export function confirmationRejection(
  state: OrderState,
  inbox: { awaitingConfirmation: boolean; confirmed: boolean },
  paymentId: string | undefined,
): UpdateRejection | undefined {
  return firstRefusal(
    [inbox.confirmed, 'ALREADY_CONFIRMED', 'The confirmation has already been received.'],
    [
      state.status !== 'AWAITING_PAYMENT_CONFIRMATION' || !inbox.awaitingConfirmation,
      'NOT_AWAITING_CONFIRMATION',
      `The order is not awaiting a payment confirmation (status ${state.status}).`,
    ],
    [
      paymentId !== undefined && paymentId !== state.paymentId,
      'PAYMENT_MISMATCH',
      `Payment ${paymentId} is not this order's payment.`,
    ],
  );
}

export function retryRejection(
  state: OrderState,
  retryRequested: boolean,
): UpdateRejection | undefined {
  return firstRefusal(
    [retryRequested, 'RETRY_ALREADY_SCHEDULED', 'A retry is already scheduled.'],
    [
      state.status !== 'COMPENSATION_FAILED',
      'NO_FAILED_COMPENSATION',
      `No compensation is waiting for a retry (status ${state.status}).`,
    ],
  );
}
