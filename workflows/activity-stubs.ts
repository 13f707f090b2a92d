import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { TASK_QUEUES } from '../contracts/order';
import type { InventoryActivities } from '../activities/inventory/api';
import type { PaymentActivities } from '../activities/payments/api';
import type { ShippingActivities } from '../activities/shipping/api';

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

function stub<A extends object, K extends keyof A & string>(
  taskQueue: string,
  name: K,
  options: Omit<ActivityOptions, 'taskQueue'>,
) {
  return proxyActivities<A>({
    taskQueue,
    // When the customer cancels mid-step, wait until the running attempt has really stopped
    // before compensating: otherwise the release could run before a late reservation lands and
    // the stock would leak. Costs at most the attempt's start-to-close timeout.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...options,
  })[name];
}

export const priceOrder = stub<InventoryActivities, 'priceOrder'>(
  TASK_QUEUES.inventory,
  'priceOrder',
  // A catalog read: a few ms normally, so 10 s means the attempt is stuck; try again.
  { startToCloseTimeout: '10s', retry: forwardRetry, summary: 'Price the items from the catalog' },
);

export const reserveInventory = stub<InventoryActivities, 'reserveInventory'>(
  TASK_QUEUES.inventory,
  'reserveInventory',
  // A handful of conditional writes per line; 15 s leaves room for a slow database.
  { startToCloseTimeout: '15s', retry: forwardRetry, summary: 'Reserve stock for every line' },
);

export const releaseInventory = stub<InventoryActivities, 'releaseInventory'>(
  TASK_QUEUES.inventory,
  'releaseInventory',
  { startToCloseTimeout: '15s', retry: compensationRetry, summary: 'Release reserved stock' },
);

export const authorizePayment = stub<PaymentActivities, 'authorizePayment'>(
  TASK_QUEUES.payments,
  'authorizePayment',
  // An external provider call: allow its own slow responses (30 s) before retrying.
  { startToCloseTimeout: '30s', retry: forwardRetry, summary: 'Authorize the payment' },
);

export const recordPaymentConfirmation = stub<PaymentActivities, 'recordPaymentConfirmation'>(
  TASK_QUEUES.payments,
  'recordPaymentConfirmation',
  // A ledger write only.
  {
    startToCloseTimeout: '10s',
    retry: forwardRetry,
    summary: "Record the provider's payment confirmation",
  },
);

export const capturePayment = stub<PaymentActivities, 'capturePayment'>(
  TASK_QUEUES.payments,
  'capturePayment',
  { startToCloseTimeout: '30s', retry: forwardRetry, summary: 'Capture the authorized payment' },
);

export const voidPayment = stub<PaymentActivities, 'voidPayment'>(
  TASK_QUEUES.payments,
  'voidPayment',
  { startToCloseTimeout: '30s', retry: compensationRetry, summary: 'Void the authorization' },
);

export const refundPayment = stub<PaymentActivities, 'refundPayment'>(
  TASK_QUEUES.payments,
  'refundPayment',
  { startToCloseTimeout: '30s', retry: compensationRetry, summary: 'Refund the capture' },
);

export const createShipment = stub<ShippingActivities, 'createShipment'>(
  TASK_QUEUES.shipping,
  'createShipment',
  // A carrier booking: external, can be slow.
  { startToCloseTimeout: '30s', retry: forwardRetry, summary: 'Create the shipment' },
);

export const cancelShipment = stub<ShippingActivities, 'cancelShipment'>(
  TASK_QUEUES.shipping,
  'cancelShipment',
  { startToCloseTimeout: '30s', retry: compensationRetry, summary: 'Cancel the shipment' },
);
