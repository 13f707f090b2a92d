import type { Collection, Db } from 'mongodb';
import { ignoreDuplicateKey } from '../../lib/mongo-duplicate-key';
import { ProviderUnavailableError } from './errors';
import type { AuthorizationOutcome, CaptureOutcome, PaymentProvider } from './provider';
import {
  SIMULATED_CAPTURE_DECLINING_TOKENS,
  simulatedAuthorization,
  simulatedCaptureDeclined,
} from './simulated-behaviour';

// A payment provider simulated on top of MongoDB, behaving by token as documented in
// ./simulated-behaviour.ts. Its state (what a real provider keeps on its side) lives in the
// payments database, keyed by our idempotency key, so it is deterministic across restarts.

export const SIMULATED_PROVIDER_COLLECTION = 'simulated_provider';

type ProviderStatus =
  'authorized' | 'requires_confirmation' | 'declined' | 'captured' | 'voided' | 'refunded';
interface ProviderDoc {
  _id: string;
  token?: string;
  amount?: number;
  attempts: number;
  status?: ProviderStatus;
  /** Set when voided: whether there was an authorization to void (the repeated answer). */
  voidedAuthorization?: boolean;
}

const ref = (key: string) => `sim_${key}`;

type Payments = Collection<ProviderDoc>;

export function createSimulatedPaymentProvider(db: Db): PaymentProvider {
  const payments: Payments = db.collection(SIMULATED_PROVIDER_COLLECTION);
  return {
    authorize: ({ idempotencyKey, amount, paymentToken }) =>
      authorize(payments, idempotencyKey, amount, paymentToken),
    capture: ({ idempotencyKey }) => capture(payments, idempotencyKey),
    void: ({ idempotencyKey }) => voidAuthorization(payments, idempotencyKey),
    async refund({ idempotencyKey }) {
      await setStatus(payments, idempotencyKey, ['captured'], 'refunded');
    },
  };
}

/**
 * Counts the attempt and returns the state it leaves. A first attempt is also decided in the
 * same write (its decision depends only on the token and attempt 1), so a payment that
 * authorizes at once costs one round trip; later attempts are decided by the caller.
 */
async function countAttempt(
  payments: Payments,
  key: string,
  token: string,
  amount: number,
): Promise<ProviderDoc> {
  const first = simulatedAuthorization(token, 1);
  const decided = first === 'unavailable' ? {} : { status: first };
  const update = () =>
    payments.findOneAndUpdate(
      { _id: key },
      { $inc: { attempts: 1 }, $setOnInsert: { token, amount, ...decided } },
      { upsert: true, returnDocument: 'after' },
    );
  // Two first attempts racing on the upsert: one gets a duplicate-key error; try once more.
  const doc = await update().catch(() => update());
  if (!doc) throw new Error(`provider state for ${key} vanished`);
  return doc;
}

async function setStatus(
  payments: Payments,
  key: string,
  from: ProviderStatus[] | 'none',
  status: ProviderStatus,
  extra = {},
) {
  const filter = from === 'none' ? { status: { $exists: false } } : { status: { $in: from } };
  const moved = await payments.findOneAndUpdate(
    { _id: key, ...filter },
    { $set: { status, ...extra } },
    { returnDocument: 'after' },
  );
  // Not in `from`: another attempt moved it first; answer what it left.
  return moved ?? payments.findOne({ _id: key });
}

async function authorize(
  payments: Payments,
  key: string,
  amount: number,
  paymentToken: string,
): Promise<AuthorizationOutcome> {
  let doc: ProviderDoc | null = await countAttempt(payments, key, paymentToken, amount);
  if (!doc.status) {
    const decision = simulatedAuthorization(paymentToken, doc.attempts);
    if (decision === 'unavailable')
      throw new ProviderUnavailableError(
        `simulated provider unavailable (attempt ${doc.attempts})`,
      );
    doc = await setStatus(payments, key, 'none', decision);
  }
  switch (doc?.status) {
    case 'authorized':
    case 'captured':
    case 'refunded':
      return { status: 'authorized', providerRef: ref(key) };
    case 'requires_confirmation':
      return { status: 'requires_confirmation', providerRef: ref(key) };
    case 'voided':
      return { status: 'declined', reason: 'authorization was voided' };
    case 'declined':
    case undefined:
      return { status: 'declined', reason: 'card declined' };
  }
}

/** Captures are keyed by the authorization's key: the ledger passes the payment id. */
async function capture(payments: Payments, key: string): Promise<CaptureOutcome> {
  // The usual case in one round trip: an authorization whose token captures.
  const captured = await payments.findOneAndUpdate(
    {
      _id: key,
      status: { $in: ['authorized', 'requires_confirmation'] },
      token: { $nin: SIMULATED_CAPTURE_DECLINING_TOKENS },
    },
    { $set: { status: 'captured' } },
  );
  if (captured) return { status: 'captured' };
  const doc = await payments.findOne({ _id: key });
  if (doc?.status === 'captured' || doc?.status === 'refunded') return { status: 'captured' };
  if (doc?.status !== 'authorized' && doc?.status !== 'requires_confirmation')
    return { status: 'declined', reason: 'no authorization to capture' };
  // The simulation does not model the customer's 3-D Secure step at the provider: the
  // workflow only captures after the webhook confirmed it, as recorded in the ledger.
  if (simulatedCaptureDeclined(doc.token ?? ''))
    return { status: 'declined', reason: 'capture declined' };
  await setStatus(payments, key, ['authorized', 'requires_confirmation'], 'captured');
  return { status: 'captured' };
}

async function voidAuthorization(payments: Payments, key: string): Promise<{ voided: boolean }> {
  // Voiding first leaves a tombstone, so a late authorization attempt is declined.
  let doc =
    (await ignoreDuplicateKey(() =>
      payments.findOneAndUpdate(
        { _id: key },
        { $setOnInsert: { attempts: 0, status: 'voided', voidedAuthorization: false } },
        { upsert: true, returnDocument: 'after' },
      ),
    )) ?? (await payments.findOne({ _id: key }));
  if (doc && doc.status !== 'voided') {
    const hadAuthorization = doc.status === 'authorized' || doc.status === 'requires_confirmation';
    if (hadAuthorization || !doc.status)
      doc = await setStatus(payments, key, doc.status ? [doc.status] : 'none', 'voided', {
        voidedAuthorization: hadAuthorization,
      });
  }
  return { voided: doc?.status === 'voided' && doc.voidedAuthorization === true };
}
