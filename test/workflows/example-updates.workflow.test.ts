// The examples of docs/testing.md, "Sending updates" and "Holding a step with a gate": each
// `#region` is shown in the guide (test/docs/testing-guide.unit.test.ts keeps them equal).
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  rejectOrderUpdate,
  retryCompensationUpdate,
} from '../../workflows/messages';
import { business, orderInput } from '../../testing/fake-services';
import { refusal, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import { sagaTestEnvPerFile } from './saga-test-file';

let t: SagaTestEnv;
sagaTestEnvPerFile((env) => (t = env));

// #region gate
it('a customer cancels while the payment is being authorized: void, then release', async () => {
  const input = orderInput();
  const gate = t.fakes.gate();
  t.fakes.scenario(input.orderId, {
    // The override replaces the fake for this order: it returns what the activity returns.
    authorizePayment: async (i) => {
      await gate.opened; // held here until the test opens the gate
      return { paymentId: i.idempotencyKey, status: 'AUTHORIZED' };
    },
  });
  const handle = await t.start(input);
  await waitForState(handle, (s) => s.steps.authorizePayment === 'RUNNING');

  const state = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'too slow' }] });
  expect(state.cancellationRequested).toBe(true);
  gate.open(); // the saga lets the running step end, then compensates

  expect((await handle.result()).cancellationReason).toBe('CUSTOMER_CANCELLED');
  expect(t.fakes.calls(input.orderId).slice(-2)).toEqual(['voidPayment', 'releaseInventory']);
});
// #endregion

// #region support-decisions
it('support approves a large order, or rejects it', async () => {
  const big = { items: [{ sku: 'SKU-BIG', quantity: 101 }] }; // 101 × 1 000 > 100 000
  const approved = await t.start(orderInput(big));
  const rejected = await t.start(orderInput(big));
  for (const handle of [approved, rejected])
    await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');

  await approved.executeUpdate(approveOrderUpdate, { args: [{ decidedBy: 'support-1' }] });
  await rejected.executeUpdate(rejectOrderUpdate, { args: [{ note: 'suspicious' }] });

  expect((await approved.result()).status).toBe('COMPLETED');
  expect((await rejected.result()).cancellationReason).toBe('APPROVAL_REJECTED');
});
// #endregion

// #region confirm-payment
it('the provider confirms a 3-D Secure payment (tok_3ds)', async () => {
  const handle = await t.start(orderInput({ paymentToken: 'tok_3ds' }));
  const { paymentId } = await waitForState(
    handle,
    (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION',
  );
  await handle.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'confirmed', paymentId }] });
  expect((await handle.result()).status).toBe('COMPLETED');
});
// #endregion

// #region retry-compensation
it('support retries a compensation that failed', async () => {
  const input = orderInput();
  let providerDown = true;
  t.fakes.scenario(input.orderId, {
    createShipment: () => Promise.reject(business('ShippingUnavailable')),
    voidPayment: () =>
      providerDown
        ? Promise.reject(business('ProviderError', 'authorization locked'))
        : Promise.resolve({ voided: true }),
  });
  const handle = await t.start(input);
  await waitForState(handle, (s) => s.status === 'COMPENSATION_FAILED');

  providerDown = false;
  await handle.executeUpdate(retryCompensationUpdate, { args: [{ decidedBy: 'support-1' }] });
  expect((await handle.result()).status).toBe('CANCELLED');
});
// #endregion

// #region refusal
it('too late to cancel: the typed reason, and the message', async () => {
  const input = orderInput();
  const gate = t.fakes.gate();
  t.fakes.scenario(input.orderId, {
    capturePayment: async (i) => {
      await gate.opened;
      return { paymentId: i.paymentId, amount: 3_000 };
    },
  });
  const handle = await t.start(input);
  await waitForState(handle, (s) => s.status === 'SHIPMENT_CREATED');

  const refused = await refusal(handle.executeUpdate(cancelOrderUpdate, { args: [{}] }));
  expect(refused.reason).toBe('TOO_LATE_TO_CANCEL'); // what the API maps to its problem type
  expect(refused.message).toMatch(/shipment has already been created/);
  gate.open();
  expect((await handle.result()).status).toBe('COMPLETED');
});
// #endregion

// #region declined
it('a declined card (tok_declined) is still voided: its compensation was registered first', async () => {
  const input = orderInput({ paymentToken: 'tok_declined' }); // no scripting needed
  const result = await (await t.start(input)).result();
  expect(result.cancellationReason).toBe('PAYMENT_DECLINED');
  expect(t.fakes.calls(input.orderId).slice(-3)).toEqual([
    'authorizePayment',
    'voidPayment',
    'releaseInventory',
  ]);
});
// #endregion
