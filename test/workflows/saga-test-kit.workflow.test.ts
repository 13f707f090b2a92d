import { approveOrderUpdate, cancelOrderUpdate } from '../../workflows/messages';
import { orderInput } from '../../testing/fake-services';
import type { Gate } from '../../testing/fake-services';
import { refusal, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import { BIG_ORDER, CANCEL, orderHeldBeforeCapture, sagaTestEnvPerFile } from './saga-test-file';

// The saga test kit itself, on the time-skipping server: what `refusal` gives, gates that a
// test leaves shut, and the fake payment service's tokens along the whole saga.

let t: SagaTestEnv;
sagaTestEnvPerFile((env) => (t = env));

describe('refusal()', () => {
  it('gives the typed reason and the message of a refused update', async () => {
    const { handle, gate } = await orderHeldBeforeCapture(t);
    const refused = await refusal(handle.executeUpdate(cancelOrderUpdate, CANCEL));
    expect(refused.reason).toBe('TOO_LATE_TO_CANCEL');
    expect(refused.message).toMatch(/shipment has already been created/);
    gate.open();
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('fails when the update was accepted', async () => {
    const input = orderInput(BIG_ORDER);
    t.fakes.scenario(input.orderId);
    const handle = await t.start(input);
    await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
    await expect(
      refusal(handle.executeUpdate(approveOrderUpdate, { args: [{ decidedBy: 'support-1' }] })),
    ).rejects.toThrow('the update was accepted');
    expect((await handle.result()).status).toBe('COMPLETED');
  });
});

// Jest runs afterEach hooks for a failed test exactly as for a passed one, so a test that ends
// with its gate shut takes the same path as one whose assertion failed before `gate.open()`.
describe('a gate left shut by one test does not freeze time for the next', () => {
  let leftShut: Gate;

  it('holds a reservation with a gate and ends without opening it', async () => {
    const input = orderInput();
    leftShut = t.fakes.gate();
    t.fakes.scenario(input.orderId, {
      reserveInventory: async (i) => {
        await leftShut.opened;
        return { reservationId: i.idempotencyKey, items: i.items };
      },
    });
    const handle = await t.start(input);
    await waitForState(handle, (s) => s.steps.reserveInventory === 'RUNNING');
    expect(leftShut.isOpen).toBe(false);
  });

  // Without the kit opening that gate, its activity would still run, the server would not skip
  // time, and this 24-hour wait would last until the test timed out.
  it('the next test still skips a 24-hour timer at once', async () => {
    expect(leftShut.isOpen).toBe(true);
    const input = orderInput(BIG_ORDER);
    t.fakes.scenario(input.orderId);
    const started = Date.now();
    const result = await (await t.start(input)).result();
    expect(result.cancellationReason).toBe('APPROVAL_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});

describe('the fake payment service follows the payment token, as the simulated provider', () => {
  async function runToEnd(paymentToken: string) {
    const input = orderInput({ paymentToken });
    t.fakes.scenario(input.orderId);
    const result = await (await t.start(input)).result();
    return { result, calls: t.fakes.calls(input.orderId) };
  }

  it('tok_declined: PAYMENT_DECLINED; the declined authorization is voided, the stock released', async () => {
    const { result, calls } = await runToEnd('tok_declined');
    expect(result.cancellationReason).toBe('PAYMENT_DECLINED');
    // voidPayment was registered before the authorization ran, so it runs although it failed.
    expect(calls).toEqual([
      'priceOrder',
      'reserveInventory',
      'authorizePayment',
      'voidPayment',
      'releaseInventory',
    ]);
  });

  it('tok_flaky: two transient failures are retried, then the order completes', async () => {
    const { result, calls } = await runToEnd('tok_flaky');
    expect(result.status).toBe('COMPLETED');
    expect(calls.filter((c) => c === 'authorizePayment')).toHaveLength(3);
  });

  it('tok_capture_fails: CAPTURE_FAILED; every step is undone, most recent first', async () => {
    const { result, calls } = await runToEnd('tok_capture_fails');
    expect(result.cancellationReason).toBe('CAPTURE_FAILED');
    expect(calls.slice(-5)).toEqual([
      'capturePayment',
      'refundPayment',
      'cancelShipment',
      'voidPayment',
      'releaseInventory',
    ]);
  });

  it('tok_3ds: the saga waits for the provider confirmation', async () => {
    const input = orderInput({ paymentToken: 'tok_3ds' });
    t.fakes.scenario(input.orderId);
    const handle = await t.start(input);
    const state = await waitForState(handle, (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION');
    expect(state.paymentId).toBeDefined();
    await handle.terminate('test done');
  });
});
