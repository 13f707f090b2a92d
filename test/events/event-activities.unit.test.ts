import pino from 'pino';
import { createEventActivities } from '../../activities/events/event-activities';
import type { OrderEventDraft } from '../../contracts/events';
import type { MessagePublisher, OutgoingMessage } from '../../lib/kafka';

const draft: OrderEventDraft = {
  orderId: 'ord-7',
  sequence: 3,
  type: 'PaymentAuthorized',
  occurredAt: '2026-01-01T00:00:03.000Z',
  data: { paymentId: 'pay-7', amount: 1200, currency: 'EUR' },
};

function fakePublisher(failures = 0) {
  const sent: { topic: string; messages: readonly OutgoingMessage[] }[] = [];
  let remaining = failures;
  const publisher: MessagePublisher = {
    publish(topic, messages) {
      if (remaining-- > 0) return Promise.reject(new Error('broker unavailable'));
      sent.push({ topic, messages });
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { publisher, sent };
}

describe('publishOrderEvent activity', () => {
  const logger = pino({ level: 'silent' });

  it('publishes the event to order.events, keyed by order, with type, version, owner as source and trace context', async () => {
    const { publisher, sent } = fakePublisher();
    // The orders worker publishes every saga event (local activities); the source stays the
    // service that owns the fact, as the AsyncAPI document declares.
    const activities = createEventActivities({
      publisher,
      service: 'orders',
      logger,
      traceContext: () => ({
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }),
    });
    await activities.publishOrderEvent(draft);
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe('order.events');
    const [message] = sent[0].messages;
    expect(message.key).toBe('ord-7');
    expect(message.headers).toMatchObject({
      ce_type: 'PaymentAuthorized',
      ce_schemaversion: '1',
      ce_source: '/order-saga/payments',
      ce_sequence: '3',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });

  it('throws when the publish fails, and a retry publishes the very same message', async () => {
    const { publisher, sent } = fakePublisher(1);
    const activities = createEventActivities({ publisher, service: 'payments', logger });
    await expect(activities.publishOrderEvent(draft)).rejects.toThrow('broker unavailable');
    await activities.publishOrderEvent(draft);
    await activities.publishOrderEvent(draft);
    expect(sent[0].messages).toEqual(sent[1].messages);
  });
});
