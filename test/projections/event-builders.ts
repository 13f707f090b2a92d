import type { OrderEvent } from '../../contracts/event-envelope';
import { envelopeFromDraft } from '../../contracts/event-envelope';
import type { OrderEventDraft } from '../../contracts/events';

type Body = Pick<OrderEventDraft, 'type' | 'data'>;

/** Events of one order, numbered from 1, one second apart. */
export function orderStream(
  orderId: string,
  bodies: Body[],
  startMs = Date.UTC(2026, 0, 1),
): OrderEvent[] {
  return bodies.map((body, index) => {
    const draft = {
      ...body,
      orderId,
      sequence: index + 1,
      occurredAt: new Date(startMs + index * 1000).toISOString(),
    } as OrderEventDraft; // safe: Body pairs type and data as OrderEventDraft does
    return envelopeFromDraft(draft);
  });
}

export const placed = (customerId = 'cust-1'): Body => ({
  type: 'OrderPlaced',
  data: {
    customerId,
    currency: 'USD',
    items: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
    shippingCountry: 'US',
  },
});

export const priced: Body = {
  type: 'OrderPriced',
  data: {
    items: [
      { sku: 'SKU-A', quantity: 2, unitPrice: 500, lineTotal: 1000 },
      { sku: 'SKU-B', quantity: 1, unitPrice: 250, lineTotal: 250 },
    ],
    total: 1250,
  },
};
