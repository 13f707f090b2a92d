import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { TASK_QUEUES } from '../contracts/services';
import type { InventoryActivities } from '../activities/inventory/api';
import type { PaymentActivities } from '../activities/payments/api';
import type { ShippingActivities } from '../activities/shipping/api';
import type { ActivityInput, ActivityName, ActivityResult, SagaActivities } from './saga-steps';

// One proxy per activity, each on its service's task queue, with timeouts and retries chosen
// for what it does, and a summary the Temporal UI shows next to the scheduled activity.

/**
 * Forward steps retry transient failures (a service restarting, a provider hiccup) with backoff
 * for as long as it takes: the order waits, and the customer can still cancel meanwhile. Only
 * business failures (non-retryable ApplicationFailures) end a step. Unbounded attempts are safe
 * because every activity is idempotent.
 */
const forwardRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
};

/**
 * Compensations retry on their own for about 2.5 minutes (1+2+4+8+16+30+30+30+30 s), then give
 * up so the failure surfaces to support (COMPENSATION_FAILED) instead of retrying silently.
 */
const compensationRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 10,
};

type StubOptions = Pick<ActivityOptions, 'startToCloseTimeout' | 'retry' | 'summary'>;
type Timeout = StubOptions['startToCloseTimeout'];

/** A forward step's options: retried until it succeeds or fails for a business reason. */
const forward = (startToCloseTimeout: Timeout, summary: string): StubOptions => ({
  startToCloseTimeout,
  retry: forwardRetry,
  summary,
});

/** A compensation's options: retried for a while, then left to support. */
const compensation = (startToCloseTimeout: Timeout, summary: string): StubOptions => ({
  startToCloseTimeout,
  retry: compensationRetry,
  summary,
});

/** One activity of a service, on that service's task queue. */
const stubsOf =
  <A extends object>(taskQueue: string) =>
  <K extends keyof A & string>(name: K, options: StubOptions) =>
    proxyActivities<A>({
      taskQueue,
      // When the customer cancels mid-step, wait until the running attempt has really stopped
      // before compensating: otherwise the release could run before a late reservation lands
      // and the stock would leak. Costs at most the attempt's start-to-close timeout.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      ...options,
    })[name];

const inventory = stubsOf<InventoryActivities>(TASK_QUEUES.inventory);
const payments = stubsOf<PaymentActivities>(TASK_QUEUES.payments);
const shipping = stubsOf<ShippingActivities>(TASK_QUEUES.shipping);

// A catalog read: a few ms normally, so 10 s means the attempt is stuck; try again.
export const priceOrder = inventory(
  'priceOrder',
  forward('10s', 'Price the items from the catalog'),
);
// A handful of conditional writes per line; 15 s leaves room for a slow database.
export const reserveInventory = inventory(
  'reserveInventory',
  forward('15s', 'Reserve stock for every line'),
);
export const releaseInventory = inventory(
  'releaseInventory',
  compensation('15s', 'Release reserved stock'),
);

// An external provider call: allow its own slow responses (30 s) before retrying.
export const authorizePayment = payments(
  'authorizePayment',
  forward('30s', 'Authorize the payment'),
);
// A ledger write only.
export const recordPaymentConfirmation = payments(
  'recordPaymentConfirmation',
  forward('10s', "Record the provider's payment confirmation"),
);
export const capturePayment = payments(
  'capturePayment',
  forward('30s', 'Capture the authorized payment'),
);
export const voidPayment = payments('voidPayment', compensation('30s', 'Void the authorization'));
export const refundPayment = payments('refundPayment', compensation('30s', 'Refund the capture'));

// A carrier booking: external, can be slow.
export const createShipment = shipping('createShipment', forward('30s', 'Create the shipment'));
export const cancelShipment = shipping(
  'cancelShipment',
  compensation('30s', 'Cancel the shipment'),
);

/** Every activity of the saga by name, for the steps the table declares (saga-steps.ts). */
const SAGA_ACTIVITIES: SagaActivities = {
  priceOrder,
  reserveInventory,
  releaseInventory,
  authorizePayment,
  recordPaymentConfirmation,
  capturePayment,
  voidPayment,
  refundPayment,
  createShipment,
  cancelShipment,
};

/** Calls activity `name` with `input`. */
export function callActivity<A extends ActivityName>(
  name: A,
  input: ActivityInput<A>,
): Promise<ActivityResult<A>> {
  // Indexing by a generic name loses the pairing of a function with its own input and result.
  const activity = SAGA_ACTIVITIES[name] as (input: ActivityInput<A>) => Promise<ActivityResult<A>>;
  return activity(input);
}
