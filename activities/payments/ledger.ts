import type { Collection, Db } from 'mongodb';
import { ignoreDuplicateKey } from '../../lib/mongo-duplicate-key';
import { readBack } from '../../lib/mongo-read-back';

// The payments service's ledger: one document per payment, `_id` = the payment id (the
// authorization's idempotency key, unique by construction). Every change is a compare-and-set
// on the status, so concurrent or repeated activities cannot both move a payment.

export const PAYMENTS_COLLECTION = 'payments';

export type PaymentStatus =
  | 'PENDING' // claimed, the provider has not answered yet
  | 'AUTHORIZED'
  | 'REQUIRES_CONFIRMATION'
  | 'DECLINED'
  | 'CAPTURED'
  | 'VOIDED'
  | 'REFUNDED';

export interface PaymentRecord {
  _id: string;
  orderId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  providerRef?: string;
  declineReason?: string;
  captureDeclinedReason?: string;
  /** VOIDED: whether an authorization was voided (the repeated answer). */
  voided?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentLedger {
  /** Creates the payment as `status` unless it exists; returns what is stored. */
  claim(
    paymentId: string,
    init: Pick<PaymentRecord, 'orderId' | 'amount' | 'currency' | 'status'> &
      Partial<PaymentRecord>,
  ): Promise<PaymentRecord>;
  get(paymentId: string): Promise<PaymentRecord | null>;
  /** Moves the payment from one of `from` to `to`; returns the stored record either way. */
  transition(
    paymentId: string,
    from: readonly PaymentStatus[],
    to: PaymentStatus,
    extra?: Partial<PaymentRecord>,
  ): Promise<PaymentRecord>;
  /** Sets fields without changing the status. */
  annotate(paymentId: string, fields: Partial<PaymentRecord>): Promise<void>;
}

export function createMongoPaymentLedger(
  db: Db,
  now: () => Date = () => new Date(),
): PaymentLedger {
  const payments: Collection<PaymentRecord> = db.collection(PAYMENTS_COLLECTION);
  const load = (id: string) => readBack(payments, id, 'payment');
  // Each write returns the document it leaves (findOneAndUpdate), so what is stored is known
  // in the write's own round trip; a second one only reads what another writer left.
  return {
    async claim(id, init) {
      const stored = await ignoreDuplicateKey(() =>
        payments.findOneAndUpdate(
          { _id: id },
          { $setOnInsert: { ...init, createdAt: now(), updatedAt: now() } },
          { upsert: true, returnDocument: 'after' },
        ),
      );
      // Null only when a concurrent first claim won the insert: read the winner's.
      return stored ?? load(id);
    },
    get: (id) => payments.findOne({ _id: id }),
    async transition(id, from, to, extra = {}) {
      const moved = await payments.findOneAndUpdate(
        { _id: id, status: { $in: [...from] } },
        { $set: { ...extra, status: to, updatedAt: now() } },
        { returnDocument: 'after' },
      );
      // Not in `from` (moved by another attempt, or never claimed): answer what is stored.
      return moved ?? load(id);
    },
    async annotate(id, fields) {
      await payments.updateOne({ _id: id }, { $set: { ...fields, updatedAt: now() } });
    },
  };
}
