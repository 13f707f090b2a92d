import { ApplicationFailure } from '@temporalio/common';
import type { OrderEventDraft } from '../../contracts/events';
import type { WorkflowHandle } from '@temporalio/client';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { business } from '../../testing/fake-services';
import { waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import {
  approveOrderUpdate,
  confirmPaymentUpdate,
  retryCompensationUpdate,
} from '../../workflows/messages';
import { BIG_ORDER, sagaTestEnvPerFile, SUPPORT } from './saga-test-file';

// What support reads in the Temporal UI without opening the history: the workflow's current
// details, the line the UI shows from the `__temporal_workflow_metadata` query. It must say the
// order's status and what the order waits for, and until when, at every stage.

let t: SagaTestEnv;
const { startWith } = sagaTestEnvPerFile((env) => (t = env));

/** The current details as the UI reads them. */
const detailsOf = async (handle: WorkflowHandle) =>
  (await handle.query(workflowMetadataQuery)).currentDetails ?? '';

/** Polls the UI's query until the details match (time does not skip while polling). */
async function waitForDetails(handle: WorkflowHandle, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const details = await detailsOf(handle);
    if (pattern.test(details)) return details;
    if (Date.now() > deadline) throw new Error(`details never matched ${pattern}: ${details}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The order's event of this type, as the saga published it. */
function eventOf<T extends OrderEventDraft['type']>(orderId: string, type: T) {
  const event = t.fakes
    .events(orderId)
    .find((e): e is Extract<OrderEventDraft, { type: T }> => e.type === type);
  if (!event) throw new Error(`no ${type} event for ${orderId}`);
  return event;
}

it('a large order: waiting for approval until its deadline, then completed with its tracking', async () => {
  const { input, handle } = await startWith({}, BIG_ORDER);
  await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
  const { decideBy } = eventOf(input.orderId, 'OrderAwaitingApproval').data;
  expect(await detailsOf(handle)).toBe(
    `AWAITING_APPROVAL — waiting for support's approval until ${decideBy} ` +
      '(total 101000 above 100000, minor units); rejected if nobody decides',
  );

  await handle.executeUpdate(approveOrderUpdate, SUPPORT);
  const result = await handle.result();
  expect(result.status).toBe('COMPLETED');
  expect(await detailsOf(handle)).toBe(
    `COMPLETED — paid and shipped (tracking ${result.trackingNumber}); nothing awaited`,
  );
});

it('3-D Secure: waiting for the provider until the confirmation deadline', async () => {
  const { input, handle } = await startWith({}, { paymentToken: 'tok_3ds' });
  await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
  const { confirmBy } = eventOf(input.orderId, 'PaymentConfirmationRequired').data;
  expect(await detailsOf(handle)).toBe(
    "AWAITING_PAYMENT_CONFIRMATION — waiting for the payment provider's 3-D Secure " +
      `confirmation until ${confirmBy}; declined if none arrives`,
  );
  await handle.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'confirmed' }] });
  expect((await handle.result()).status).toBe('COMPLETED');
});

it('a failed compensation: which one, why, and the route support retries it with', async () => {
  let voidAttempts = 0;
  const { input, handle } = await startWith({
    createShipment: () => Promise.reject(business('ShippingUnavailable', 'no carrier to NL')),
    // Fails once for good (non-retryable), then succeeds when support retries it.
    voidPayment: () => {
      voidAttempts += 1;
      return voidAttempts === 1
        ? Promise.reject(ApplicationFailure.nonRetryable('provider locked', 'Locked'))
        : Promise.resolve({ voided: true });
    },
  });
  await waitForState(handle, (s) => s.status === 'COMPENSATION_FAILED');
  expect(await detailsOf(handle)).toBe(
    'COMPENSATION_FAILED — voidPayment failed: provider locked; waiting for support to retry ' +
      `it (POST /orders/${input.orderId}/retry-compensation), no deadline`,
  );

  await handle.executeUpdate(retryCompensationUpdate, SUPPORT);
  expect((await handle.result()).status).toBe('CANCELLED');
  expect(await waitForDetails(handle, /^CANCELLED/)).toBe(
    'CANCELLED — SHIPPING_UNAVAILABLE: no carrier to NL; nothing awaited',
  );
});
