import { DomainError } from '../shared/business-failure';

/**
 * The payments service's business failures: the `type` of the non-retryable ApplicationFailure
 * its activities end with. The saga's step table (workflows/saga-steps.ts) maps every one, so a
 * type added here and not mapped there does not compile.
 */
export const PAYMENT_FAILURE_TYPES = [
  'PaymentDeclined',
  'CaptureDeclined',
  'PaymentVoided',
] as const;
export type PaymentFailureType = (typeof PAYMENT_FAILURE_TYPES)[number];

export class PaymentDeclinedError extends DomainError<PaymentFailureType> {
  readonly type = 'PaymentDeclined';
}

export class CaptureDeclinedError extends DomainError<PaymentFailureType> {
  readonly type = 'CaptureDeclined';
}

/** A late attempt of an authorization whose payment was already voided (its order moved on). */
export class PaymentVoidedError extends DomainError<PaymentFailureType> {
  readonly type = 'PaymentVoided';
}

/** The provider could not answer now; retryable (a plain Error, not a DomainError). */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}
