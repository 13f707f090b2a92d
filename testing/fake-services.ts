import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { OrderEventDraft } from '../contracts/events';
import type { OrderSagaInput } from '../contracts/order';
import type { EventActivities } from '../activities/events/api';
import type { InventoryActivities } from '../activities/inventory/api';
import type { PaymentActivities } from '../activities/payments/api';
import type { ShippingActivities } from '../activities/shipping/api';

// In-memory stand-ins for the services, shared by all sagas of a test file. Each saga is told
// apart by its order id; a test overrides the behaviour of any activity for its own order and
// reads back the activity calls and the events, in order.

export type AllActivities = InventoryActivities & PaymentActivities & ShippingActivities;
export type ActivityName = keyof AllActivities;
type Override<K extends ActivityName> = (
  input: Parameters<AllActivities[K]>[0],
  attempt: number,
) => ReturnType<AllActivities[K]>;
export type Overrides = { [K in ActivityName]?: Override<K> };

export const UNIT_PRICE = 1_000;

/** A promise a test opens when it wants a blocked activity to finish. */
export class Gate {
  open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
}

const orderIdFromKey = (key: string): string => key.split(':')[0].replace(/^order-/, '');

function orderIdOf(input: object): string {
  if ('orderId' in input && typeof input.orderId === 'string') return input.orderId;
  if ('paymentId' in input && typeof input.paymentId === 'string')
    return orderIdFromKey(input.paymentId);
  throw new Error(`cannot tell the order of ${JSON.stringify(input)}`);
}

export const business = (type: string, message = type) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

export class FakeServices {
  private readonly overrides = new Map<string, Overrides>();
  private readonly callLog = new Map<string, ActivityName[]>();
  private readonly eventLog = new Map<string, OrderEventDraft[]>();
  readonly gates: Gate[] = [];

  /** Sets the behaviour for one order; unset activities succeed. */
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
    fallback: () => Awaited<ReturnType<AllActivities[K]>>,
  ): ReturnType<AllActivities[K]> {
    const orderId = orderIdOf(input);
    this.callLog.set(orderId, [...this.calls(orderId), name]);
    const override = this.overrides.get(orderId)?.[name];
    const attempt = Context.current().info.attempt;
    if (override) return override(input, attempt);
    return Promise.resolve(fallback()) as ReturnType<AllActivities[K]>;
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
    authorizePayment: (input) =>
      this.run('authorizePayment', input, () => ({
        paymentId: input.idempotencyKey,
        status: input.paymentToken === 'tok_3ds' ? 'REQUIRES_CONFIRMATION' : 'AUTHORIZED',
      })),
    recordPaymentConfirmation: (input) =>
      this.run('recordPaymentConfirmation', input, () => ({
        status: input.outcome === 'confirmed' ? 'AUTHORIZED' : 'DECLINED',
      })),
    capturePayment: (input) =>
      this.run('capturePayment', input, () => ({ paymentId: input.paymentId, amount: 0 })),
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
