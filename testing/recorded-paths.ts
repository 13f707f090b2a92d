import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { OrderSagaInput } from '../contracts/order';
import {
  cancelOrderUpdate,
  confirmPaymentUpdate,
  rejectOrderUpdate,
  retryCompensationUpdate,
} from '../workflows/client';
import type { OrderState } from '../workflows/client';
import { business, orderInput, UNIT_PRICE } from './fake-services';
import type { Overrides } from './fake-services';
import type { SagaAnswers, SagaSpec } from './sample-streams';
import { waitForState } from './saga-test-env';
import type { SagaTestEnv } from './saga-test-env';

// The saga's main paths, as scripts/record-histories.ts records them into
// test/fixtures/histories/<generation>/<name>.json: the order, what the fake services answer, how
// the order is driven from outside, and the events the path publishes, as the one stream builder
// (testing/sample-streams.ts) writes them given the fakes' answers.

export const RECORDED_PATH_NAMES = [
  'approval-rejected',
  'compensation-failed-retried',
  'customer-cancelled',
  'happy',
  'out-of-stock',
  'payment-confirmed',
  'payment-declined',
] as const;
export type RecordedPathName = (typeof RECORDED_PATH_NAMES)[number];

export interface RecordedPath {
  name: RecordedPathName;
  /** The order; its id is `replay-<name>`, as recorded. */
  input: OrderSagaInput;
  overrides: Overrides;
  /** Drives the saga from outside (updates) once started. */
  drive?: (handle: WorkflowHandle) => Promise<unknown>;
  /** The events it publishes: sagaDrafts({ ...stream, startMs }). */
  stream: Omit<SagaSpec, 'startMs'>;
}

const waitFor = (status: OrderState['status']) => (handle: WorkflowHandle) =>
  waitForState(handle, (s) => s.status === status, 30_000);

/** What the fake services answer, where the stream depends on it (testing/fake-services.ts). */
const fakeAnswers = (orderId: string): Partial<SagaAnswers> => ({
  shippingCountry: 'GB',
  trackingNumber: `TRACK-${orderId}`,
  capturedAmount: 0,
  undid: (undo) => undo !== 'refundPayment',
});

type PathScript = Omit<RecordedPath, 'input' | 'stream' | 'overrides'> & {
  input?: Partial<OrderSagaInput>;
  overrides?: Overrides;
  stream: Pick<SagaSpec, 'outcome'> & { answers?: Partial<SagaAnswers> };
};

/** The paths, afresh (a path's fakes may count their calls). */
function scripts(): PathScript[] {
  let voidFailures = 0;
  return [
    { name: 'happy', stream: { outcome: 'completed' } },
    {
      name: 'payment-declined',
      overrides: { authorizePayment: () => Promise.reject(business('PaymentDeclined')) },
      stream: { outcome: 'payment-declined', answers: { failureMessage: 'PaymentDeclined' } },
    },
    {
      name: 'out-of-stock',
      overrides: { reserveInventory: () => Promise.reject(business('OutOfStock')) },
      stream: { outcome: 'out-of-stock', answers: { failureMessage: 'OutOfStock' } },
    },
    {
      name: 'customer-cancelled',
      input: { paymentToken: 'tok_3ds' },
      drive: async (h) => {
        await waitFor('AWAITING_PAYMENT_CONFIRMATION')(h);
        await h.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] });
      },
      stream: { outcome: 'customer-cancelled', answers: { decision: { note: 'changed my mind' } } },
    },
    {
      name: 'payment-confirmed',
      input: { paymentToken: 'tok_3ds' },
      drive: async (h) => {
        await waitFor('AWAITING_PAYMENT_CONFIRMATION')(h);
        await h.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'confirmed' }] });
      },
      stream: { outcome: 'payment-confirmed-then-completed' },
    },
    {
      name: 'approval-rejected',
      input: { items: [{ sku: 'SKU-BIG', quantity: 101 }] },
      drive: async (h) => {
        await waitFor('AWAITING_APPROVAL')(h);
        await h.executeUpdate(rejectOrderUpdate, { args: [{ decidedBy: 'support-1' }] });
      },
      stream: { outcome: 'approval-rejected', answers: { decision: { decidedBy: 'support-1' } } },
    },
    {
      name: 'compensation-failed-retried',
      overrides: {
        createShipment: () => Promise.reject(business('ShippingUnavailable')),
        voidPayment: () =>
          ++voidFailures === 1
            ? Promise.reject(
                ApplicationFailure.nonRetryable('authorization locked', 'ProviderError'),
              )
            : Promise.resolve({ voided: true }),
      },
      drive: async (h) => {
        await waitFor('COMPENSATION_FAILED')(h);
        await h.executeUpdate(retryCompensationUpdate, { args: [{ decidedBy: 'support-1' }] });
      },
      stream: {
        outcome: 'compensation-failed-retried',
        answers: { failureMessage: 'ShippingUnavailable', stuckMessage: 'authorization locked' },
      },
    },
  ];
}

/** Every recorded path, afresh. */
export function recordedPaths(): RecordedPath[] {
  return scripts().map(({ name, input, overrides = {}, drive, stream }) => {
    const order = orderInput({ ...input, orderId: `replay-${name}` });
    return {
      name,
      input: order,
      overrides,
      drive,
      stream: {
        orderId: order.orderId,
        customerId: order.customerId,
        items: order.items,
        unitPrice: () => UNIT_PRICE,
        outcome: stream.outcome,
        answers: { ...fakeAnswers(order.orderId), ...stream.answers },
      },
    };
  });
}

/** Runs `path` to its end on `t`'s server and fakes. */
export async function runRecordedPath(t: SagaTestEnv, path: RecordedPath) {
  t.fakes.scenario(path.input.orderId, path.overrides);
  const handle = await t.start(path.input);
  await path.drive?.(handle);
  return { handle, result: await handle.result() };
}
