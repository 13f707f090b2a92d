import type {
  AuthorizePaymentInput,
  AuthorizePaymentResult,
  CapturePaymentInput,
  CapturePaymentResult,
  PaymentActivities,
  RecordPaymentConfirmationInput,
  RecordPaymentConfirmationResult,
  RefundPaymentInput,
  RefundPaymentResult,
  VoidPaymentInput,
  VoidPaymentResult,
} from './api';
import { CaptureDeclinedError, PaymentDeclinedError, PaymentVoidedError } from './errors';
import type { PaymentLedger, PaymentRecord } from './ledger';
import type { PaymentProvider } from './provider';
import { mapBusinessFailures } from '../shared/business-failure';

export interface PaymentDeps {
  ledger: PaymentLedger;
  provider: PaymentProvider;
}

/** What a repeated authorization answers, from the ledger alone. */
function authorizationAnswer(payment: PaymentRecord): AuthorizePaymentResult | undefined {
  switch (payment.status) {
    case 'AUTHORIZED':
    case 'CAPTURED':
    case 'REFUNDED':
      return { paymentId: payment._id, status: 'AUTHORIZED' as const };
    case 'REQUIRES_CONFIRMATION':
      return { paymentId: payment._id, status: 'REQUIRES_CONFIRMATION' as const };
    case 'DECLINED':
      throw new PaymentDeclinedError(payment.declineReason ?? 'declined');
    case 'VOIDED':
      throw new PaymentVoidedError(`payment ${payment._id} was voided`);
    case 'PENDING':
      return undefined;
  }
}

/**
 * The payments service's activities. The payment id is the authorization's idempotency key, and
 * the ledger records every answer, so repeating any activity returns its first answer.
 */
export function createPaymentActivities(deps: PaymentDeps): PaymentActivities {
  return mapBusinessFailures<PaymentActivities>({
    authorizePayment: (input) => authorizePayment(deps, input),
    recordPaymentConfirmation: (input) => recordPaymentConfirmation(deps, input),
    capturePayment: (input) => capturePayment(deps, input),
    voidPayment: (input) => voidPayment(deps, input),
    refundPayment: (input) => refundPayment(deps, input),
  });
}

async function authorizePayment(
  { ledger, provider }: PaymentDeps,
  { idempotencyKey: paymentId, orderId, amount, currency, paymentToken }: AuthorizePaymentInput,
): Promise<AuthorizePaymentResult> {
  const claimed = await ledger.claim(paymentId, { orderId, amount, currency, status: 'PENDING' });
  const known = authorizationAnswer(claimed);
  if (known) return known;
  const outcome = await provider.authorize({
    idempotencyKey: paymentId,
    amount,
    currency,
    paymentToken,
  });
  const recorded =
    outcome.status === 'declined'
      ? await ledger.transition(paymentId, ['PENDING'], 'DECLINED', {
          declineReason: outcome.reason,
        })
      : await ledger.transition(
          paymentId,
          ['PENDING'],
          outcome.status === 'authorized' ? 'AUTHORIZED' : 'REQUIRES_CONFIRMATION',
          { providerRef: outcome.providerRef },
        );
  const answer = authorizationAnswer(recorded);
  if (!answer) throw new Error(`payment ${paymentId} is still pending`); // retryable
  return answer;
}

async function recordPaymentConfirmation(
  { ledger }: PaymentDeps,
  { paymentId, outcome }: RecordPaymentConfirmationInput,
): Promise<RecordPaymentConfirmationResult> {
  const payment = await ledger.transition(
    paymentId,
    ['REQUIRES_CONFIRMATION'],
    outcome === 'confirmed' ? 'AUTHORIZED' : 'DECLINED',
    outcome === 'confirmed' ? {} : { declineReason: 'confirmation failed' },
  );
  switch (payment.status) {
    case 'AUTHORIZED':
    case 'CAPTURED':
    case 'REFUNDED':
      return { status: 'AUTHORIZED' };
    case 'PENDING':
    case 'REQUIRES_CONFIRMATION':
      throw new Error(`payment ${paymentId} cannot record a confirmation yet`); // retryable
    case 'DECLINED':
    case 'VOIDED':
      return { status: 'DECLINED' };
  }
}

async function capturePayment(
  { ledger, provider }: PaymentDeps,
  { paymentId }: CapturePaymentInput,
): Promise<CapturePaymentResult> {
  // One read: the capture needs the authorization's status, amount and provider reference.
  const payment = await ledger.get(paymentId);
  if (!payment) throw new Error(`payment ${paymentId} does not exist yet`); // retryable
  if (payment.status === 'CAPTURED' || payment.status === 'REFUNDED')
    return { paymentId, amount: payment.amount };
  if (payment.captureDeclinedReason) throw new CaptureDeclinedError(payment.captureDeclinedReason);
  if (payment.status !== 'AUTHORIZED')
    throw new CaptureDeclinedError(`payment ${paymentId} is ${payment.status}, not authorized`);
  const outcome = await provider.capture({
    idempotencyKey: paymentId,
    providerRef: payment.providerRef ?? paymentId,
    amount: payment.amount,
  });
  if (outcome.status === 'declined') {
    await ledger.annotate(paymentId, { captureDeclinedReason: outcome.reason });
    throw new CaptureDeclinedError(outcome.reason);
  }
  await ledger.transition(paymentId, ['AUTHORIZED'], 'CAPTURED');
  return { paymentId, amount: payment.amount };
}

async function voidPayment(
  { ledger, provider }: PaymentDeps,
  { paymentId }: VoidPaymentInput,
): Promise<VoidPaymentResult> {
  // Tolerates "nothing to undo": a void that comes first leaves a VOIDED tombstone, so a late
  // authorization attempt is refused instead of authorizing an abandoned order.
  let payment = await ledger.claim(paymentId, {
    orderId: '',
    amount: 0,
    currency: 'XXX',
    status: 'VOIDED',
    voided: false,
  });
  if (
    payment.status === 'PENDING' ||
    payment.status === 'AUTHORIZED' ||
    payment.status === 'REQUIRES_CONFIRMATION'
  ) {
    // PENDING: an authorization may be in flight or half-recorded; the provider knows.
    const { voided } = await provider.void({ idempotencyKey: paymentId });
    payment = await ledger.transition(paymentId, [payment.status], 'VOIDED', { voided });
  }
  return { voided: payment.status === 'VOIDED' && payment.voided === true };
}

async function refundPayment(
  { ledger, provider }: PaymentDeps,
  { paymentId }: RefundPaymentInput,
): Promise<RefundPaymentResult> {
  let payment = await ledger.get(paymentId);
  if (payment?.status === 'CAPTURED') {
    await provider.refund({
      idempotencyKey: paymentId,
      providerRef: payment.providerRef ?? paymentId,
      amount: payment.amount,
    });
    payment = await ledger.transition(paymentId, ['CAPTURED'], 'REFUNDED');
  }
  return payment?.status === 'REFUNDED'
    ? { refunded: true, amount: payment.amount }
    : { refunded: false, amount: 0 };
}
