import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { createEventActivities } from '../../activities/events/event-activities';
import type { OrderEventDraft } from '../../contracts/events';
import type { OutgoingMessage } from '../../lib/kafka';
import { createTracing, type Tracing } from '../../lib/tracing';
import { processBatch, type ConsumedMessage } from '../../projections/runtime/process-batch';
import { placed } from '../../testing/sample-streams';
import { InMemoryProjectionStore } from '../projections/in-memory-store';

// The Kafka hop of a trace without servers: the publish span travels as the message's
// traceparent and the projector's fold continues it.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(() => {
  tracing = createTracing({ serviceName: 'unit', exporter }) as Tracing;
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const draft: OrderEventDraft = {
  ...placed('cust-9'),
  orderId: 'ord-9',
  sequence: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
};

async function publishTraced(): Promise<OutgoingMessage> {
  const sent: OutgoingMessage[] = [];
  const activities = createEventActivities({
    publisher: {
      publish: (_topic, messages) => Promise.resolve(void sent.push(...messages)),
      close: () => Promise.resolve(),
    },
    service: 'orders',
    logger: pino({ level: 'silent' }),
    tracer: tracing.tracer,
  });
  await tracing.tracer.startActiveSpan('RunActivity:publishOrderEvent', async (span) => {
    await activities.publishOrderEvent(draft);
    span.end();
  });
  return sent[0];
}

const consumed = (m: OutgoingMessage): ConsumedMessage => ({
  offset: '0',
  key: m.key === null ? null : Buffer.from(m.key),
  value: m.value === null ? null : Buffer.from(m.value),
  headers: m.headers,
});

it('puts the publish span into the message and folds inside the same trace', async () => {
  const message = await publishTraced();
  const publish = exporter.getFinishedSpans().find((s) => s.name === 'publish order.events');
  expect(publish).toBeDefined();
  const { traceId, spanId } = publish!.spanContext();
  expect(String(message.headers?.traceparent)).toBe(`00-${traceId}-${spanId}-01`);

  const store = new InMemoryProjectionStore();
  await processBatch({ store, deadLetter: () => Promise.resolve(), tracer: tracing.tracer }, 0, [
    consumed(message),
  ]);
  expect(store.orders.get('ord-9')?.version).toBe(1);
  const fold = exporter.getFinishedSpans().find((s) => s.name === 'projection.fold');
  const write = exporter.getFinishedSpans().find((s) => s.name === 'readmodel.write');
  expect(fold?.spanContext().traceId).toBe(traceId);
  expect(fold?.parentSpanId).toBe(spanId);
  expect(fold?.links.map((l) => l.context.spanId)).toEqual([spanId]);
  expect(write?.parentSpanId).toBe(fold?.spanContext().spanId);
});

it('starts a new trace for a batch of untraced events', async () => {
  const message = await publishTraced();
  const headers = { ...message.headers };
  delete headers.traceparent;
  await processBatch(
    {
      store: new InMemoryProjectionStore(),
      deadLetter: () => Promise.resolve(),
      tracer: tracing.tracer,
    },
    0,
    [consumed({ ...message, headers })],
  );
  const fold = exporter.getFinishedSpans().find((s) => s.name === 'projection.fold');
  expect(fold?.parentSpanId).toBeUndefined();
  expect(fold?.links).toEqual([]);
});
