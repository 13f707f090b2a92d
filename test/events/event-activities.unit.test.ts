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

describe('publishOrderEvents activity', () => {
  const logger = pino({ level: 'silent' });
  const captured: OrderEventDraft = {
    orderId: 'ord-7',
    sequence: 6,
    type: 'PaymentCaptured',
    occurredAt: '2026-01-01T00:00:06.000Z',
    data: { paymentId: 'pay-7', amount: 1200 },
  };
  const completed: OrderEventDraft = {
    orderId: 'ord-7',
    sequence: 7,
    type: 'OrderCompleted',
    occurredAt: '2026-01-01T00:00:06.000Z',
    data: { total: 1200 },
  };

  it('publishes consecutive events of one order in one send, in sequence order', async () => {
    const { publisher, sent } = fakePublisher();
    const activities = createEventActivities({ publisher, service: 'orders', logger });
    await activities.publishOrderEvents([captured, completed]);
    // One publish call: the publisher sends it as one request, one record batch on the
    // order's partition (lib/kafka.ts never splits a publish).
    expect(sent).toHaveLength(1);
    expect(
      sent[0].messages.map((m) => [m.key, m.headers?.ce_type, m.headers?.ce_sequence]),
    ).toEqual([
      ['ord-7', 'PaymentCaptured', '6'],
      ['ord-7', 'OrderCompleted', '7'],
    ]);
    // The same envelope as one at a time: each event's id is its own.
    const single = fakePublisher();
    await createEventActivities({
      publisher: single.publisher,
      service: 'orders',
      logger,
    }).publishOrderEvent(completed);
    expect(sent[0].messages[1]).toEqual(single.sent[0].messages[0]);
  });

  it.each([
    ['no event', [], /at least one event/],
    [
      'events of two orders',
      [captured, { ...completed, orderId: 'ord-8' }],
      /orders ord-7 and ord-8/,
    ],
    ['a gap in the sequence', [captured, { ...completed, sequence: 8 }], /sequence 8, expected 7/],
    ['events out of order', [completed, captured], /sequence 6, expected 8/],
  ])('refuses %s, without publishing, as a non-retryable failure', async (_, drafts, message) => {
    const { publisher, sent } = fakePublisher();
    const activities = createEventActivities({ publisher, service: 'orders', logger });
    const failure = activities.publishOrderEvents(drafts);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toMatchObject({ nonRetryable: true, type: 'InvalidEventBatch' });
    expect(sent).toHaveLength(0);
  });
});
