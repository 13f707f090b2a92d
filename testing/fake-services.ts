import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { OrderEventDraft } from '../contracts/events';
import type { OrderSagaInput } from '../contracts/order';
import type { EventActivities } from '../activities/events/api';
import type { InventoryActivities } from '../activities/inventory/api';
import type {
  AuthorizePaymentInput,
  AuthorizePaymentResult,
  PaymentActivities,
} from '../activities/payments/api';
import {
  simulatedAuthorization,
  simulatedCaptureDeclined,
} from '../activities/payments/simulated-behaviour';
import type { ShippingActivities } from '../activities/shipping/api';

// In-memory stand-ins for the services, shared by all sagas of a test file. Each saga is told
// apart by its order id; a test overrides the behaviour of any activity for its own order and
// reads back the activity calls and the events, in order. Payments follow the payment token as
// the simulated provider does, so `tok_declined` declines without any scripting.

export type AllActivities = InventoryActivities & PaymentActivities & ShippingActivities;
export type ActivityName = keyof AllActivities;
type Override<K extends ActivityName> = (
  input: Parameters<AllActivities[K]>[0],
  attempt: number,
) => ReturnType<AllActivities[K]>;
export type Overrides = { [K in ActivityName]?: Override<K> };

export const UNIT_PRICE = 1_000;

/** Gates not opened yet, of every FakeServices in this test file. */
const shutGates = new Set<Gate>();

/**
 * A promise a test opens when it wants a held step to finish: an override awaits
 * `gate.opened`, the test acts meanwhile, then calls `gate.open()`. The kit opens every gate
 * still shut when a test ends (`openEveryGate`).
 */
export class Gate {
  private release!: () => void;
  private shut = true;
  readonly opened = new Promise<void>((resolve) => (this.release = resolve));

  constructor() {
    shutGates.add(this);
  }

  get isOpen(): boolean {
    return !this.shut;
  }

  open(): void {
    this.shut = false;
    shutGates.delete(this);
    this.release();
  }
}

/** Opens every gate still shut; returns how many were. */
export function openEveryGate(): number {
  const count = shutGates.size;
  for (const gate of [...shutGates]) gate.open();
  return count;
}

// A gate left shut (a failed assertion before `gate.open()`) keeps its activity running, and
// while an activity runs the time-skipping server does not skip time: every later test of the
// file that waits on a timer would wait for real. Jest runs afterEach hooks whether the test
// passed or failed, so every gate is opened there. This module is imported at a test file's top
// level, where hooks may be added; outside Jest (scripts, bench) there is no afterEach.
if (typeof afterEach === 'function') afterEach(openEveryGate);

const orderIdFromKey = (key: string): string => key.split(':')[0].replace(/^order-/, '');

function orderIdOf(input: object): string {
  if ('orderId' in input && typeof input.orderId === 'string') return input.orderId;
  if ('paymentId' in input && typeof input.paymentId === 'string')
    return orderIdFromKey(input.paymentId);
  throw new Error(`cannot tell the order of ${JSON.stringify(input)}`);
}

export const business = (type: string, message = type) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

/**
 * What the payments service answers with the simulated provider, by payment token (the one
 * table, activities/payments/simulated-behaviour.ts): `tok_declined` is declined, `tok_flaky`
 * fails its first attempts with a retryable error, `tok_3ds` needs the provider's confirmation.
 */
function simulatedAuthorizationResult(
  input: AuthorizePaymentInput,
  attempt: number,
): AuthorizePaymentResult {
  const paymentId = input.idempotencyKey;
  switch (simulatedAuthorization(input.paymentToken, attempt)) {
    case 'declined':
      throw business('PaymentDeclined', 'card declined');
    case 'unavailable':
      throw new Error(`simulated provider unavailable (attempt ${attempt})`); // retried
    case 'requires_confirmation':
      return { paymentId, status: 'REQUIRES_CONFIRMATION' };
    case 'authorized':
      return { paymentId, status: 'AUTHORIZED' };
  }
}

export class FakeServices {
  private readonly overrides = new Map<string, Overrides>();
  private readonly callLog = new Map<string, ActivityName[]>();
  private readonly eventLog = new Map<string, OrderEventDraft[]>();
  /** The payment token of each authorization, by payment id (what the provider would keep). */
  private readonly paymentTokens = new Map<string, string>();
  readonly gates: Gate[] = [];

  /**
   * Sets the behaviour for one order. An override replaces the fake for that activity: it must
   * return the activity's result (or throw `business(type)`, or a plain Error to be retried).
   * Activities not overridden behave as the real services with the simulated payment provider.
   */
  scenario(orderId: string, overrides: Overrides = {}): void {
    this.overrides.set(orderId, overrides);
  }

  calls(orderId: string): ActivityName[] {
    return this.callLog.get(orderId) ?? [];
  }

  events(orderId: string): OrderEventDraft[] {
    return this.eventLog.get(orderId) ?? [];
  }

  gate(): Gate {
    const gate = new Gate();
    this.gates.push(gate);
    return gate;
  }

  openAllGates(): void {
    this.gates.forEach((g) => g.open());
  }

  private run<K extends ActivityName>(
    name: K,
    input: Parameters<AllActivities[K]>[0],
    fallback: (attempt: number) => Awaited<ReturnType<AllActivities[K]>>,
  ): ReturnType<AllActivities[K]> {
    const orderId = orderIdOf(input);
    this.callLog.set(orderId, [...this.calls(orderId), name]);
    const override = this.overrides.get(orderId)?.[name];
    const attempt = Context.current().info.attempt;
    if (override) return override(input, attempt);
    // A fallback that throws (a declined card) fails the activity, as a rejected promise.
    return new Promise((resolve) => resolve(fallback(attempt))) as ReturnType<AllActivities[K]>;
  }

  readonly inventory: InventoryActivities = {
    priceOrder: (input) =>
      this.run('priceOrder', input, () => {
        const items = input.items.map((i) => ({
          ...i,
          unitPrice: UNIT_PRICE,
          lineTotal: UNIT_PRICE * i.quantity,
        }));
        return { items, total: items.reduce((sum, i) => sum + i.lineTotal, 0) };
      }),
    reserveInventory: (input) =>
      this.run('reserveInventory', input, () => ({
        reservationId: input.idempotencyKey,
        items: input.items,
      })),
    releaseInventory: (input) => this.run('releaseInventory', input, () => ({ released: true })),
  };

  readonly payments: PaymentActivities = {
    authorizePayment: (input) => {
      this.paymentTokens.set(input.idempotencyKey, input.paymentToken);
      return this.run('authorizePayment', input, (attempt) =>
        simulatedAuthorizationResult(input, attempt),
      );
    },
    recordPaymentConfirmation: (input) =>
      this.run('recordPaymentConfirmation', input, () => ({
        status: input.outcome === 'confirmed' ? 'AUTHORIZED' : 'DECLINED',
      })),
    capturePayment: (input) =>
      this.run('capturePayment', input, () => {
        if (simulatedCaptureDeclined(this.paymentTokens.get(input.paymentId) ?? ''))
          throw business('CaptureDeclined', 'capture declined');
        return { paymentId: input.paymentId, amount: 0 };
      }),
    voidPayment: (input) => this.run('voidPayment', input, () => ({ voided: true })),
    refundPayment: (input) =>
      this.run('refundPayment', input, () => ({ refunded: false, amount: 0 })),
  };

  readonly shipping: ShippingActivities = {
    createShipment: (input) =>
      this.run('createShipment', input, () => ({
        shipmentId: input.idempotencyKey,
        trackingNumber: `TRACK-${input.orderId}`,
      })),
    cancelShipment: (input) => this.run('cancelShipment', input, () => ({ cancelled: true })),
  };

  readonly events_: EventActivities = {
    publishOrderEvent: (draft) => this.events_.publishOrderEvents([draft]),
    publishOrderEvents: (drafts) => {
      for (const draft of drafts)
        this.eventLog.set(draft.orderId, [...this.events(draft.orderId), draft]);
      return Promise.resolve();
    },
  };
}

let counter = 0;
/** A valid saga input with a fresh order id. */
export function orderInput(overrides: Partial<OrderSagaInput> = {}): OrderSagaInput {
  counter += 1;
  return {
    orderId: `t${Date.now().toString(36)}-${counter}`,
    customerId: 'cust-1',
    items: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
    currency: 'USD',
    paymentToken: 'tok_ok',
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: '1 Main St',
      city: 'London',
      postalCode: 'N1 1AA',
      country: 'GB',
    },
    ...overrides,
  };
}
