import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createTracing, type Tracing } from '../../lib/tracing';
import { startTestSystem, type TestSystem } from '../e2e/system';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { orderClient, sampleOrder } from '../e2e/order-client';

// One order through the whole path, traced: the API request, the workflow start, every
// activity, the Kafka publishes and the projector's fold and read-model write all land in one
// trace (W3C context through Temporal headers and Kafka message headers).

jest.setTimeout(180_000);

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let system: TestSystem;

beforeAll(async () => {
  installQuietRuntime();
  tracing = createTracing({ serviceName: 'order-saga-test', exporter }) as Tracing;
  system = await startTestSystem('tracing', { tracing });
  await orderClient(system).stock('KETTLE', 2_500, 100);
});

afterAll(async () => {
  await system?.stop();
  await tracing?.shutdown();
});

/** Polls the exporter: the projector's spans end a moment after the read model shows the write. */
async function spansOf(traceId: string, until: (spans: ReadableSpan[]) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    if (until(spans) || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('traces one order from the API request to the read-model write in a single trace', async () => {
  const client = orderClient(system);
  const orderId = await client.place(sampleOrder('trace-customer'));
  const view = await client.final(orderId);
  expect(view.status).toBe('COMPLETED');

  const request = exporter
    .getFinishedSpans()
    .find((s) => s.name === 'POST /orders' && s.attributes['http.response.status_code'] === 202);
  expect(request).toBeDefined();
  const traceId = request!.spanContext().traceId;

  const spans = await spansOf(traceId, (all) =>
    all.some((s) => s.name === 'readmodel.write' && s.attributes['order.writes'] !== 0),
  );
  const names = new Set(spans.map((s) => s.name));
  const expected = [
    'POST /orders',
    'StartWorkflow:orderSaga',
    'RunWorkflow:orderSaga',
    'RunActivity:priceOrder',
    'RunActivity:reserveInventory',
    'RunActivity:authorizePayment',
    'RunActivity:capturePayment',
    'RunActivity:createShipment',
    'RunActivity:publishOrderEvent',
    // The capture's event and the completion, together (workflows/order-events.ts).
    'RunActivity:publishOrderEvents',
    `publish ${system.topic}`,
    'projection.fold',
    'readmodel.write',
  ];
  for (const name of expected)
    expect({ name, found: names.has(name) }).toEqual({ name, found: true });

  // Every activity the workflow scheduled ran inside the same trace.
  const scheduled = [...names].filter((n) => n.startsWith('StartActivity:'));
  expect(scheduled.length).toBeGreaterThan(0);
  for (const name of scheduled) expect(names).toContain(name.replace('Start', 'Run'));

  // The projector continued the producer's trace: a fold whose parent is a publish span.
  const publishIds = new Set(
    spans.filter((s) => s.name === `publish ${system.topic}`).map((s) => s.spanContext().spanId),
  );
  const folds = spans.filter((s) => s.name === 'projection.fold');
  expect(folds.some((f) => f.parentSpanId !== undefined && publishIds.has(f.parentSpanId))).toBe(
    true,
  );
});
