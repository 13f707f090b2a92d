// The payment provider, behind an interface so a real one (Stripe, Adyen …) can replace the
// simulated one. Every call carries our idempotency key, as real providers accept, so a retried
// call returns the provider's first answer. Transient trouble is thrown (ProviderUnavailableError
// or any Error, retried); business answers are returned.

export type AuthorizationOutcome =
  | { status: 'authorized'; providerRef: string }
  | { status: 'requires_confirmation'; providerRef: string }
  | { status: 'declined'; reason: string };

export type CaptureOutcome = { status: 'captured' } | { status: 'declined'; reason: string };

export interface PaymentProvider {
  authorize(request: {
    idempotencyKey: string;
    amount: number;
    currency: string;
    paymentToken: string;
  }): Promise<AuthorizationOutcome>;
  capture(request: {
    idempotencyKey: string;
    providerRef: string;
    amount: number;
  }): Promise<CaptureOutcome>;
  /** Voids whatever authorization exists under the key; `voided` false when there was none. */
  void(request: { idempotencyKey: string }): Promise<{ voided: boolean }>;
  refund(request: { idempotencyKey: string; providerRef: string; amount: number }): Promise<void>;
}
