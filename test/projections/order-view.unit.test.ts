import type { OrderEventType } from '../../contracts/events';
import { ORDER_EVENT_TYPES } from '../../contracts/events';
import { OrderView } from '../../contracts/read-models';
import {
  ProjectionError,
  SequenceGapError,
  evolveOrder,
  foldOrder,
} from '../../projections/fold/order-view';
import { orderStream, placed, priced } from '../../testing/sample-streams';

type Body = Parameters<typeof orderStream>[1][number];

// One specification per event type: given the events before it, when it is applied, then the
// order view has these fields — and applying it a second time changes nothing.
const specs: Record<OrderEventType, { given: Body[]; when: Body; then: Partial<OrderView> }> = {
  OrderPlaced: {
    given: [],
    when: placed(),
    then: { status: 'PENDING', customerId: 'cust-1', currency: 'USD', payment: { status: 'NONE' } },
  },
  OrderPriced: {
    given: [placed()],
    when: priced,
    then: {
      status: 'PENDING',
      total: 1250,
      items: (priced.data as { items: OrderView['items'] }).items,
    },
  },
  OrderAwaitingApproval: {
    given: [placed(), priced],
    when: {
      type: 'OrderAwaitingApproval',
      data: { total: 1250, threshold: 1000, decideBy: '2026-01-02T00:00:00.000Z' },
    },
    then: { status: 'AWAITING_APPROVAL' },
  },
  OrderApproved: {
    given: [
      placed(),
      priced,
      {
        type: 'OrderAwaitingApproval',
        data: { total: 1250, threshold: 1000, decideBy: '2026-01-02T00:00:00.000Z' },
      },
    ],
    when: { type: 'OrderApproved', data: { decidedBy: 'staff', note: 'known customer' } },
    then: {
      status: 'PENDING',
      approval: { decision: 'APPROVED', decidedBy: 'staff', note: 'known customer' },
    },
  },
  OrderRejected: {
    given: [
      placed(),
      priced,
      {
        type: 'OrderAwaitingApproval',
        data: { total: 1250, threshold: 1000, decideBy: '2026-01-02T00:00:00.000Z' },
      },
    ],
    when: {
      type: 'OrderRejected',
      data: { reason: 'APPROVAL_REJECTED', decidedBy: 'staff', note: 'address unverified' },
    },
    then: {
      status: 'AWAITING_APPROVAL',
      approval: { decision: 'REJECTED', decidedBy: 'staff', note: 'address unverified' },
    },
  },
  InventoryReserved: {
    given: [placed(), priced],
    when: {
      type: 'InventoryReserved',
      data: { reservationId: 'r1', items: [{ sku: 'SKU-A', quantity: 2 }] },
    },
    then: { status: 'INVENTORY_RESERVED' },
  },
  InventoryReleased: {
    given: [placed(), priced, { type: 'OrderCompensating', data: { reason: 'PAYMENT_DECLINED' } }],
    when: { type: 'InventoryReleased', data: { reservationId: 'r1' } },
    then: { status: 'COMPENSATING' },
  },
  PaymentConfirmationRequired: {
    given: [placed(), priced],
    when: {
      type: 'PaymentConfirmationRequired',
      data: { paymentId: 'p1', confirmBy: '2026-01-02T00:00:00.000Z' },
    },
    then: { status: 'AWAITING_PAYMENT_CONFIRMATION', payment: { status: 'AWAITING_CONFIRMATION' } },
  },
  PaymentAuthorized: {
    given: [placed(), priced],
    when: { type: 'PaymentAuthorized', data: { paymentId: 'p1', amount: 1250, currency: 'USD' } },
    then: { status: 'PAYMENT_AUTHORIZED', payment: { status: 'AUTHORIZED' } },
  },
  PaymentDeclined: {
    given: [placed(), priced],
    when: { type: 'PaymentDeclined', data: { reason: 'card_declined' } },
    then: { status: 'PENDING', payment: { status: 'DECLINED' } },
  },
  PaymentCaptured: {
    given: [
      placed(),
      priced,
      { type: 'ShipmentCreated', data: { shipmentId: 's1', trackingNumber: 'T1' } },
    ],
    when: { type: 'PaymentCaptured', data: { paymentId: 'p1', amount: 1250 } },
    then: { status: 'SHIPMENT_CREATED', payment: { status: 'CAPTURED' } },
  },
  PaymentVoided: {
    given: [
      placed(),
      priced,
      { type: 'OrderCompensating', data: { reason: 'SHIPPING_UNAVAILABLE' } },
    ],
    when: { type: 'PaymentVoided', data: { paymentId: 'p1' } },
    then: { status: 'COMPENSATING', payment: { status: 'VOIDED' } },
  },
  PaymentRefunded: {
    given: [placed(), priced, { type: 'OrderCompensating', data: { reason: 'CAPTURE_FAILED' } }],
    when: { type: 'PaymentRefunded', data: { paymentId: 'p1', amount: 1250 } },
    then: { status: 'COMPENSATING', payment: { status: 'REFUNDED' } },
  },
  ShipmentCreated: {
    given: [placed(), priced],
    when: { type: 'ShipmentCreated', data: { shipmentId: 's1', trackingNumber: 'TRK-1' } },
    then: { status: 'SHIPMENT_CREATED', shipment: { status: 'CREATED', trackingNumber: 'TRK-1' } },
  },
  ShipmentCancelled: {
    given: [
      placed(),
      priced,
      { type: 'ShipmentCreated', data: { shipmentId: 's1', trackingNumber: 'TRK-1' } },
      { type: 'OrderCompensating', data: { reason: 'CAPTURE_FAILED' } },
    ],
    when: { type: 'ShipmentCancelled', data: { shipmentId: 's1' } },
    then: { status: 'COMPENSATING', shipment: { status: 'CANCELLED', trackingNumber: 'TRK-1' } },
  },
  OrderCompensating: {
    given: [placed(), priced],
    when: { type: 'OrderCompensating', data: { reason: 'PAYMENT_DECLINED' } },
    then: { status: 'COMPENSATING' },
  },
  CompensationFailed: {
    given: [placed(), priced, { type: 'OrderCompensating', data: { reason: 'CAPTURE_FAILED' } }],
    when: { type: 'CompensationFailed', data: { step: 'voidPayment', message: 'down' } },
    then: { status: 'COMPENSATION_FAILED' },
  },
  CompensationRetried: {
    given: [
      placed(),
      priced,
      { type: 'OrderCompensating', data: { reason: 'CAPTURE_FAILED' } },
      { type: 'CompensationFailed', data: { step: 'voidPayment', message: 'down' } },
    ],
    when: { type: 'CompensationRetried', data: { step: 'voidPayment' } },
    then: { status: 'COMPENSATING' },
  },
  OrderCompleted: {
    given: [
      placed(),
      priced,
      { type: 'ShipmentCreated', data: { shipmentId: 's1', trackingNumber: 'T1' } },
    ],
    when: { type: 'OrderCompleted', data: { total: 1250 } },
    then: { status: 'COMPLETED', total: 1250 },
  },
  OrderCancelled: {
    given: [placed(), priced],
    when: {
      type: 'OrderCancelled',
      data: { reason: 'CUSTOMER_CANCELLED', decidedBy: 'support-1', note: 'duplicate order' },
    },
    then: {
      status: 'CANCELLED',
      cancellationReason: 'CUSTOMER_CANCELLED',
      cancelledBy: 'support-1',
      cancellationNote: 'duplicate order',
    },
  },
};

describe('orders read model: evolveOrder', () => {
  describe.each(ORDER_EVENT_TYPES)('%s', (type) => {
    const spec = specs[type];
    const events = orderStream('o-1', [...spec.given, spec.when]);
    const when = events[events.length - 1];
    const before = foldOrder(events.slice(0, -1));
    const after = evolveOrder(before, when);

    it('given the earlier events, then the view reflects it', () => {
      expect(after).toMatchObject(spec.then);
      expect(after.version).toBe(when.sequence);
      expect(after.updatedAt).toBe(when.occurredAt);
      expect(after.timeline.at(-1)).toEqual({
        sequence: when.sequence,
        type,
        occurredAt: when.occurredAt,
      });
      expect(OrderView.parse(after)).toEqual(after);
    });

    it('applying it twice changes nothing', () => {
      expect(evolveOrder(after, when)).toBe(after);
    });
  });

  it('keeps a final status when later events arrive', () => {
    const events = orderStream('o-2', [
      placed(),
      priced,
      { type: 'OrderCompleted', data: { total: 1250 } },
      { type: 'PaymentRefunded', data: { paymentId: 'p', amount: 1250 } },
      { type: 'OrderCompensating', data: { reason: 'CAPTURE_FAILED' } },
    ]);
    expect(foldOrder(events)).toMatchObject({
      status: 'COMPLETED',
      payment: { status: 'REFUNDED' },
    });
  });

  it('refuses an event whose predecessor is missing', () => {
    const [first, , third] = orderStream('o-3', [
      placed(),
      priced,
      { type: 'OrderCancelled', data: { reason: 'OUT_OF_STOCK' } },
    ]);
    expect(() => evolveOrder(evolveOrder(null, first), third)).toThrow(SequenceGapError);
  });

  it('shows no decision fields where the events carry none (v1 events, timeouts, failures)', () => {
    const awaiting: Body = {
      type: 'OrderAwaitingApproval',
      data: { total: 1250, threshold: 1000, decideBy: '2026-01-02T00:00:00.000Z' },
    };
    const timedOut = foldOrder(
      orderStream('o-5', [
        placed(),
        priced,
        awaiting,
        { type: 'OrderRejected', data: { reason: 'APPROVAL_TIMEOUT' } },
        { type: 'OrderCancelled', data: { reason: 'APPROVAL_TIMEOUT' } },
      ]),
    );
    expect(timedOut?.approval).toEqual({ decision: 'TIMED_OUT' });
    // Absent, not `undefined`: the document is stored as it is, and a stored null fails the schema.
    expect(Object.keys(timedOut ?? {})).toEqual(expect.arrayContaining(['approval']));
    for (const key of ['cancelledBy', 'cancellationNote']) {
      expect(Object.keys(timedOut ?? {})).not.toContain(key);
    }
    const failed = foldOrder(
      orderStream('o-6', [
        placed(),
        priced,
        { type: 'OrderCancelled', data: { reason: 'OUT_OF_STOCK', message: 'SKU-A' } },
      ]),
    );
    expect(failed).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });
    for (const key of ['approval', 'cancelledBy', 'cancellationNote']) {
      expect(Object.keys(failed ?? {})).not.toContain(key);
    }
  });

  it('refuses a first event that is not OrderPlaced', () => {
    const [, second] = orderStream('o-4', [placed(), priced]);
    expect(() => evolveOrder(null, second)).toThrow(ProjectionError);
  });
});
