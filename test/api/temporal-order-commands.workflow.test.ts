import { ApplicationFailure } from '@temporalio/common';
import { createTemporalOrderCommands } from '../../api/adapters/temporal-order-commands';
import type { OrderCommands } from '../../api/ports';
import { business, orderInput } from '../../testing/fake-services';
import type { Overrides } from '../../testing/fake-services';
import { createSagaTestEnv, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';

// The API's order commands against a running saga: a refused update comes back as the result
// its typed reason names (the ApplicationFailure type the validator threw), not as parsed text.

jest.setTimeout(60_000);

let t: SagaTestEnv;
let commands: OrderCommands;
beforeAll(async () => {
  t = await createSagaTestEnv();
  commands = createTemporalOrderCommands(t.env.client);
});
afterAll(async () => {
  await t?.shutdown();
});

const customer = { sub: 'cust-1', support: false };

async function startWith(overrides: Overrides, extra = {}) {
  const input = orderInput(extra);
  t.fakes.scenario(input.orderId, overrides);
  return { input, handle: await t.start(input) };
}

it('cancel: too late once the shipment exists (workflow still running)', async () => {
  const gate = t.fakes.gate();
  const { input, handle } = await startWith({
    capturePayment: async (i) => {
      await gate.opened;
      return { paymentId: i.paymentId, amount: 3000 };
    },
  });
  await waitForState(handle, (s) => s.status === 'SHIPMENT_CREATED');
  expect(await commands.cancel(input.orderId, customer)).toEqual({
    ok: false,
    reason: 'TOO_LATE_TO_CANCEL',
    detail: 'The shipment has already been created; the order can no longer be cancelled.',
  });
  gate.open();
  expect((await handle.result()).status).toBe('COMPLETED');
});

it('cancel: already cancelled while a compensation waits for support', async () => {
  const { input, handle } = await startWith({
    createShipment: () => Promise.reject(business('ShippingUnavailable')),
    voidPayment: () => Promise.reject(ApplicationFailure.nonRetryable('locked', 'ProviderError')),
  });
  await waitForState(handle, (s) => s.status === 'COMPENSATION_FAILED');
  expect(await commands.cancel(input.orderId, customer)).toEqual({
    ok: false,
    reason: 'ALREADY_CANCELLING',
    detail: 'The order is already being cancelled (status COMPENSATION_FAILED).',
  });
  await handle.terminate('test done');
});

it('approve and confirm: refused with the reason of the state the order is in', async () => {
  const gate = t.fakes.gate();
  const { input, handle } = await startWith(
    {
      capturePayment: async (i) => {
        await gate.opened;
        return { paymentId: i.paymentId, amount: 3000 };
      },
    },
    { paymentToken: 'tok_3ds' },
  );
  await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
  expect(await commands.approve(input.orderId, { sub: 'support-1', support: true })).toEqual({
    ok: false,
    reason: 'NOT_AWAITING_APPROVAL',
    detail: 'The order is not awaiting approval (status AWAITING_PAYMENT_CONFIRMATION).',
  });
  expect(await commands.confirmPayment(input.orderId, 'confirmed')).toEqual({ ok: true });
  // A second confirmation while the saga runs on: the workflow's own reason, not folded.
  expect(await commands.confirmPayment(input.orderId, 'confirmed')).toMatchObject({
    ok: false,
    reason: 'ALREADY_CONFIRMED',
  });
  gate.open();
  expect((await handle.result()).status).toBe('COMPLETED');
  expect(await commands.confirmPayment(input.orderId, 'confirmed')).toMatchObject({
    ok: false,
    reason: 'NOT_AWAITING_CONFIRMATION',
  });
});

it('retryCompensation: accepted while COMPENSATION_FAILED, refused by reason otherwise', async () => {
  let providerDown = true;
  const { input, handle } = await startWith({
    createShipment: () => Promise.reject(business('ShippingUnavailable')),
    voidPayment: () =>
      providerDown
        ? Promise.reject(ApplicationFailure.nonRetryable('locked', 'ProviderError'))
        : Promise.resolve({ voided: true }),
  });
  const support = { sub: 'support-1', support: true };
  await waitForState(handle, (s) => s.status === 'COMPENSATION_FAILED');
  providerDown = false;
  expect(await commands.retryCompensation(input.orderId, support)).toEqual({ ok: true });
  expect((await handle.result()).status).toBe('CANCELLED');
  // Finished: nothing waits for a retry any more.
  expect(await commands.retryCompensation(input.orderId, support)).toEqual({
    ok: false,
    reason: 'NO_FAILED_COMPENSATION',
    detail: 'The order is finished (status CANCELLED).',
  });

  const gate = t.fakes.gate();
  const running = await startWith({
    reserveInventory: () => gate.opened.then(() => Promise.reject(business('OutOfStock'))),
  });
  await waitForState(running.handle, (s) => s.steps.reserveInventory === 'RUNNING');
  expect(await commands.retryCompensation(running.input.orderId, support)).toEqual({
    ok: false,
    reason: 'NO_FAILED_COMPENSATION',
    detail: 'No compensation is waiting for a retry (status PENDING).',
  });
  gate.open();
  expect((await running.handle.result()).cancellationReason).toBe('OUT_OF_STOCK');
  expect(await commands.retryCompensation('ord_unknown', support)).toEqual({
    ok: false,
    reason: 'NOT_FOUND',
  });
});
