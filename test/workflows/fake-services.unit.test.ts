import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  SIMULATED_TOKENS,
  simulatedAuthorization,
} from '../../activities/payments/simulated-behaviour';
import { FakeServices, Gate, openEveryGate, orderInput } from '../../testing/fake-services';

// The saga test kit's fakes, outside any workflow: the payment service follows the simulated
// provider's table of tokens (scripting still wins), and gates can always be opened by the kit.

const authorization = (orderId: string, paymentToken: string) => ({
  idempotencyKey: `order-${orderId}:authorize-payment`,
  orderId,
  amount: 3_000,
  currency: 'USD',
  paymentToken,
});

/** Runs one attempt of an activity as the worker would, with its attempt number. */
const quiet = { logger: new DefaultLogger('ERROR', () => undefined) };
const attemptOf = <T>(attempt: number, run: () => Promise<T>): Promise<T> =>
  new MockActivityEnvironment({ attempt }, quiet).run(run);

describe('the fake payment service honours the payment tokens', () => {
  it('tok_declined is declined with the business failure the saga maps to PAYMENT_DECLINED', async () => {
    const fakes = new FakeServices();
    const { orderId } = orderInput();
    const declined = attemptOf(1, () =>
      fakes.payments.authorizePayment(authorization(orderId, 'tok_declined')),
    );
    await expect(declined).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(declined).rejects.toMatchObject({ type: 'PaymentDeclined', nonRetryable: true });
  });

  it('tok_3ds needs the confirmation; tok_ok is authorized', async () => {
    const fakes = new FakeServices();
    const { orderId } = orderInput();
    await expect(
      attemptOf(1, () => fakes.payments.authorizePayment(authorization(orderId, 'tok_3ds'))),
    ).resolves.toMatchObject({ status: 'REQUIRES_CONFIRMATION' });
    await expect(
      attemptOf(1, () => fakes.payments.authorizePayment(authorization(orderId, 'tok_ok'))),
    ).resolves.toEqual({
      paymentId: `order-${orderId}:authorize-payment`,
      status: 'AUTHORIZED',
    });
  });

  it('tok_capture_fails authorizes, then its capture is declined', async () => {
    const fakes = new FakeServices();
    const { orderId } = orderInput();
    const { paymentId } = await attemptOf(1, () =>
      fakes.payments.authorizePayment(authorization(orderId, 'tok_capture_fails')),
    );
    await expect(
      attemptOf(1, () =>
        fakes.payments.capturePayment({ idempotencyKey: `order-${orderId}:capture`, paymentId }),
      ),
    ).rejects.toMatchObject({ type: 'CaptureDeclined', nonRetryable: true });
  });

  it.each(SIMULATED_TOKENS)('%s: each attempt answers as the simulated provider', async (token) => {
    const fakes = new FakeServices();
    const { orderId } = orderInput();
    for (const attempt of [1, 2, 3]) {
      const outcome = await attemptOf(attempt, () =>
        fakes.payments.authorizePayment(authorization(orderId, token)),
      ).then(
        (result) => result.status,
        (error: unknown) =>
          error instanceof ApplicationFailure && error.nonRetryable ? error.type : 'RETRYABLE',
      );
      const expected = {
        authorized: 'AUTHORIZED',
        requires_confirmation: 'REQUIRES_CONFIRMATION',
        declined: 'PaymentDeclined',
        unavailable: 'RETRYABLE',
      }[simulatedAuthorization(token, attempt)];
      expect([attempt, outcome]).toEqual([attempt, expected]);
    }
  });

  it('a scripted override still decides, whatever the token', async () => {
    const fakes = new FakeServices();
    const { orderId } = orderInput();
    fakes.scenario(orderId, {
      authorizePayment: (input) =>
        Promise.resolve({ paymentId: input.idempotencyKey, status: 'AUTHORIZED' }),
    });
    await expect(
      attemptOf(1, () => fakes.payments.authorizePayment(authorization(orderId, 'tok_declined'))),
    ).resolves.toMatchObject({ status: 'AUTHORIZED' });
    expect(fakes.calls(orderId)).toEqual(['authorizePayment']);
  });
});

describe('gates', () => {
  it('openEveryGate opens the gates still shut, of every FakeServices', async () => {
    const held = new FakeServices().gate();
    const other = new Gate();
    const alreadyOpen = new FakeServices().gate();
    alreadyOpen.open();
    expect([held.isOpen, other.isOpen]).toEqual([false, false]);
    expect(openEveryGate()).toBe(2);
    expect([held.isOpen, other.isOpen]).toEqual([true, true]);
    await expect(Promise.all([held.opened, other.opened])).resolves.toBeDefined();
    expect(openEveryGate()).toBe(0);
  });

  let leftShut: Gate | undefined;
  it('a test may end with a gate still shut (as a failed assertion would leave it)...', () => {
    leftShut = new FakeServices().gate();
    expect(leftShut.isOpen).toBe(false);
  });

  it('...and the kit opened it when that test ended', () => {
    expect(leftShut?.isOpen).toBe(true);
  });
});
