import type {
  CancellationReason,
  OrderSagaInput,
  OrderStatus,
  PricedItem,
} from '../contracts/order';
import type { CompensationStep } from './compensations';
import { rejection } from './update-rejections';
import type { UpdateRejection } from './update-rejections';

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

/** The customer may cancel until the shipment exists. */
export function cancelRejection(state: OrderState): UpdateRejection | undefined {
  if (state.cancellationRequested) return undefined; // a repeated request is accepted, changes nothing
  if (state.status === 'SHIPMENT_CREATED' || state.status === 'COMPLETED')
    return rejection(
      'TOO_LATE_TO_CANCEL',
      'The shipment has already been created; the order can no longer be cancelled.',
    );
  if (!FORWARD_STATUSES.includes(state.status))
    return rejection(
      'ALREADY_CANCELLING',
      `The order is already being cancelled (status ${state.status}).`,
    );
  return undefined;
}

export function decisionRejection(
  state: OrderState,
  decided: boolean,
): UpdateRejection | undefined {
  if (decided) return rejection('ALREADY_DECIDED', 'A decision has already been made.');
  if (state.status !== 'AWAITING_APPROVAL' || state.steps.approval !== 'RUNNING')
    return rejection(
      'NOT_AWAITING_APPROVAL',
      `The order is not awaiting approval (status ${state.status}).`,
    );
  return undefined;
}

export function confirmationRejection(
  state: OrderState,
  inbox: { awaitingConfirmation: boolean; confirmed: boolean },
  paymentId: string | undefined,
): UpdateRejection | undefined {
  if (inbox.confirmed)
    return rejection('ALREADY_CONFIRMED', 'The confirmation has already been received.');
  if (state.status !== 'AWAITING_PAYMENT_CONFIRMATION' || !inbox.awaitingConfirmation)
    return rejection(
      'NOT_AWAITING_CONFIRMATION',
      `The order is not awaiting a payment confirmation (status ${state.status}).`,
    );
  if (paymentId !== undefined && paymentId !== state.paymentId)
    return rejection('PAYMENT_MISMATCH', `Payment ${paymentId} is not this order's payment.`);
  return undefined;
}

export function retryRejection(
  state: OrderState,
  retryRequested: boolean,
): UpdateRejection | undefined {
  if (retryRequested) return rejection('RETRY_ALREADY_SCHEDULED', 'A retry is already scheduled.');
  if (state.status !== 'COMPENSATION_FAILED')
    return rejection(
      'NO_FAILED_COMPENSATION',
      `No compensation is waiting for a retry (status ${state.status}).`,
    );
  return undefined;
}
