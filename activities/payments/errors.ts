import { DomainError } from '../shared/business-failure';

export class PaymentDeclinedError extends DomainError {
  readonly type = 'PaymentDeclined';
}

export class CaptureDeclinedError extends DomainError {
  readonly type = 'CaptureDeclined';
}

/** A late attempt of an authorization whose payment was already voided (its order moved on). */
export class PaymentVoidedError extends DomainError {
  readonly type = 'PaymentVoided';
}

/** The provider could not answer now; retryable (a plain Error, not a DomainError). */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}
