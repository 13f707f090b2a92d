// The payments service's activities as callers see them (types only: workflows import this).
// Business failures: `PaymentDeclined`, `CaptureDeclined` (non-retryable ApplicationFailures).

export interface AuthorizePaymentInput {
  /** Also the payment's id, so its compensation can name it before the step ran. */
  idempotencyKey: string;
  orderId: string;
  amount: number;
  currency: string;
  paymentToken: string;
}
export interface AuthorizePaymentResult {
  paymentId: string;
  /** REQUIRES_CONFIRMATION: the provider will confirm asynchronously (webhook → workflow). */
  status: 'AUTHORIZED' | 'REQUIRES_CONFIRMATION';
}

export interface RecordPaymentConfirmationInput {
  idempotencyKey: string;
  paymentId: string;
  outcome: 'confirmed' | 'failed';
}
export interface RecordPaymentConfirmationResult {
  status: 'AUTHORIZED' | 'DECLINED';
}

export interface CapturePaymentInput {
  idempotencyKey: string;
  paymentId: string;
}
export interface CapturePaymentResult {
  paymentId: string;
  amount: number;
}

export interface VoidPaymentInput {
  idempotencyKey: string;
  paymentId: string;
}
/** `voided` is false when there was no authorization to void. */
export interface VoidPaymentResult {
  voided: boolean;
}

export interface RefundPaymentInput {
  idempotencyKey: string;
  paymentId: string;
}
/** `refunded` is false when nothing had been captured. */
export interface RefundPaymentResult {
  refunded: boolean;
  amount: number;
}

export interface PaymentActivities {
  authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentResult>;
  /** Records the webhook's outcome of an authorization that needed confirmation. */
  recordPaymentConfirmation(
    input: RecordPaymentConfirmationInput,
  ): Promise<RecordPaymentConfirmationResult>;
  capturePayment(input: CapturePaymentInput): Promise<CapturePaymentResult>;
  voidPayment(input: VoidPaymentInput): Promise<VoidPaymentResult>;
  refundPayment(input: RefundPaymentInput): Promise<RefundPaymentResult>;
}
