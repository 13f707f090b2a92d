import { createPaymentActivities } from '../../activities/payments/activities';
import { createMongoPaymentLedger } from '../../activities/payments/ledger';
import { createSimulatedPaymentProvider } from '../../activities/payments/simulated-provider';
import { openTestDb, type TestDb } from './mongo-test-db';

// The payments activities over the real ledger and the simulated provider, token by token.

jest.setTimeout(30_000);

let close: () => Promise<void>;
let commandsOf: TestDb['commandsOf'];
let payments: ReturnType<typeof createPaymentActivities>;
beforeAll(async () => {
  const opened = await openTestDb('payments_it');
  close = opened.close;
  commandsOf = opened.commandsOf;
  payments = createPaymentActivities({
    ledger: createMongoPaymentLedger(opened.db),
    provider: createSimulatedPaymentProvider(opened.db),
  });
});
afterAll(() => close());

let n = 0;
const authorize = (paymentToken: string, key = `order-p${++n}:authorize-payment`) => ({
  idempotencyKey: key,
  orderId: `p${n}`,
  amount: 4_200,
  currency: 'EUR',
  paymentToken,
});

describe('simulated provider, by token', () => {
  it('tok_ok: authorizes and captures; repeats return the first answers', async () => {
    const input = authorize('tok_ok');
    const auth = await payments.authorizePayment(input);
    expect(auth).toEqual({ paymentId: input.idempotencyKey, status: 'AUTHORIZED' });
    expect(await payments.authorizePayment(input)).toEqual(auth);
    const capture = { idempotencyKey: 'c', paymentId: auth.paymentId };
    expect(await payments.capturePayment(capture)).toEqual({
      paymentId: auth.paymentId,
      amount: 4_200,
    });
    expect(await payments.capturePayment(capture)).toEqual({
      paymentId: auth.paymentId,
      amount: 4_200,
    });
  });

  it('an unlisted token behaves like tok_ok', async () => {
    expect((await payments.authorizePayment(authorize('tok_visa_4242'))).status).toBe('AUTHORIZED');
  });

  it('tok_declined: a non-retryable PaymentDeclined, also on repeat', async () => {
    const input = authorize('tok_declined');
    await expect(payments.authorizePayment(input)).rejects.toMatchObject({
      type: 'PaymentDeclined',
      nonRetryable: true,
    });
    await expect(payments.authorizePayment(input)).rejects.toMatchObject({
      type: 'PaymentDeclined',
    });
    expect(
      await payments.voidPayment({ idempotencyKey: 'v', paymentId: input.idempotencyKey }),
    ).toEqual({
      voided: false,
    });
  });

  it('tok_flaky: attempts 1 and 2 fail transiently (retryable), attempt 3 authorizes', async () => {
    const input = authorize('tok_flaky');
    for (const attempt of [1, 2]) {
      const error = await payments.authorizePayment(input).catch((e: Error) => e);
      expect(error).toMatchObject({ name: 'ProviderUnavailableError' });
      expect((error as Error).message).toContain(`attempt ${attempt}`);
    }
    expect((await payments.authorizePayment(input)).status).toBe('AUTHORIZED');
    // The count lives in the provider's stored state: a fresh activities object agrees.
    expect((await payments.authorizePayment(input)).status).toBe('AUTHORIZED');
  });

  it('tok_3ds: needs confirmation; confirmed → authorized and capturable', async () => {
    const input = authorize('tok_3ds');
    expect((await payments.authorizePayment(input)).status).toBe('REQUIRES_CONFIRMATION');
    const confirm = {
      idempotencyKey: 'k',
      paymentId: input.idempotencyKey,
      outcome: 'confirmed' as const,
    };
    expect(await payments.recordPaymentConfirmation(confirm)).toEqual({ status: 'AUTHORIZED' });
    expect(await payments.recordPaymentConfirmation(confirm)).toEqual({ status: 'AUTHORIZED' });
    expect(
      await payments.capturePayment({ idempotencyKey: 'c', paymentId: input.idempotencyKey }),
    ).toMatchObject({
      amount: 4_200,
    });
  });

  it('tok_3ds: a failed confirmation declines; the pending authorization is voided', async () => {
    const input = authorize('tok_3ds');
    await payments.authorizePayment(input);
    expect(
      await payments.recordPaymentConfirmation({
        idempotencyKey: 'k',
        paymentId: input.idempotencyKey,
        outcome: 'failed',
      }),
    ).toEqual({ status: 'DECLINED' });
    const timedOut = authorize('tok_3ds');
    await payments.authorizePayment(timedOut);
    expect(
      await payments.voidPayment({ idempotencyKey: 'v', paymentId: timedOut.idempotencyKey }),
    ).toEqual({ voided: true });
  });

  it('tok_capture_fails: authorizes, capture is a non-retryable CaptureDeclined, also on repeat', async () => {
    const input = authorize('tok_capture_fails');
    await payments.authorizePayment(input);
    const capture = { idempotencyKey: 'c', paymentId: input.idempotencyKey };
    await expect(payments.capturePayment(capture)).rejects.toMatchObject({
      type: 'CaptureDeclined',
      nonRetryable: true,
    });
    await expect(payments.capturePayment(capture)).rejects.toMatchObject({
      type: 'CaptureDeclined',
    });
    expect(
      await payments.voidPayment({ idempotencyKey: 'v', paymentId: input.idempotencyKey }),
    ).toEqual({ voided: true });
  });
});

describe('compensations', () => {
  it('void is idempotent: voids once, repeats answer the same', async () => {
    const input = authorize('tok_ok');
    await payments.authorizePayment(input);
    const v = { idempotencyKey: 'v', paymentId: input.idempotencyKey };
    expect(await payments.voidPayment(v)).toEqual({ voided: true });
    expect(await payments.voidPayment(v)).toEqual({ voided: true });
  });

  it('a void before the authorization leaves a tombstone: the late authorization is refused', async () => {
    const input = authorize('tok_ok');
    expect(
      await payments.voidPayment({ idempotencyKey: 'v', paymentId: input.idempotencyKey }),
    ).toEqual({ voided: false });
    await expect(payments.authorizePayment(input)).rejects.toMatchObject({
      type: 'PaymentVoided',
      nonRetryable: true,
    });
  });

  it('refund gives back a capture once; without a capture there is nothing to refund', async () => {
    const input = authorize('tok_ok');
    await payments.authorizePayment(input);
    const r = { idempotencyKey: 'r', paymentId: input.idempotencyKey };
    expect(await payments.refundPayment(r)).toEqual({ refunded: false, amount: 0 });
    await payments.capturePayment({ idempotencyKey: 'c', paymentId: input.idempotencyKey });
    expect(await payments.refundPayment(r)).toEqual({ refunded: true, amount: 4_200 });
    expect(await payments.refundPayment(r)).toEqual({ refunded: true, amount: 4_200 });
  });
});

describe('round trips', () => {
  it('authorizing and capturing are three commands each, each write answering what it stored', async () => {
    const input = authorize('tok_ok');
    expect(await commandsOf(() => payments.authorizePayment(input))).toEqual([
      'payments.findAndModify', // the ledger's claim
      'simulated_provider.findAndModify', // the provider counts and decides the attempt
      'payments.findAndModify', // the ledger records the answer
    ]);
    const capture = { idempotencyKey: 'c', paymentId: input.idempotencyKey };
    expect(await commandsOf(() => payments.capturePayment(capture))).toEqual([
      'payments.find',
      'simulated_provider.findAndModify',
      'payments.findAndModify',
    ]);
  });
});
