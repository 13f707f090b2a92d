import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import pino from 'pino';
import { createEventActivities } from '../../activities/events/event-activities';
import { ACTIVITY_METRICS } from '../../activities/shared/metrics';
import { TASK_QUEUES, type Service } from '../../contracts/services';
import type { OrderSagaInput } from '../../contracts/order';
import type { MessagePublisher } from '../../lib/kafka';
import { freePorts } from '../../stack';
import { workerMetricsExporter } from '../../workers/run-worker';
import { retryCompensationUpdate } from '../../workflows/messages';
import { SAGA_METRICS } from '../../workflows/metrics';
import { orderSaga } from '../../workflows/order-saga';
import { orderWorkflowStartOptions } from '../../workflows/client';
import { business, FakeServices, orderInput } from '../../testing/fake-services';
import { createTimeSkippingEnv, waitForState } from '../../testing/saga-test-env';
import { workflowBundle } from '../../workers/workflow-bundle';

// The saga's and the publisher's metrics as Prometheus scrapes them: a Core runtime with the
// workers' exporter (workers/run-worker.ts) on a free port, sagas on the time-skipping server
// with the services faked and the real publishing activity over a fake Kafka producer. This
// file installs the runtime itself, so it must stay its own test file (one runtime per file).

jest.setTimeout(90_000);

let metricsUrl: string;
let env: TestWorkflowEnvironment;
let workers: Worker[];
let running: Promise<void>[];
const fakes = new FakeServices();
/** `orderId type` of every acknowledged event. */
const published: string[] = [];
/** Order whose first publish attempt of OrderPlaced fails as a broker outage would. */
let failFirstPlacedOf = '';

class BrokerDown extends Error {
  override name = 'KafkaJSConnectionError';
}

const publisher: MessagePublisher = {
  publish(_topic, messages) {
    for (const m of messages) {
      const type = String(m.headers?.ce_type);
      if (m.key === failFirstPlacedOf && type === 'OrderPlaced') {
        failFirstPlacedOf = '';
        return Promise.reject(new BrokerDown('Connection error: ECONNREFUSED'));
      }
      published.push(`${String(m.key)} ${type}`);
    }
    return Promise.resolve();
  },
  close: () => Promise.resolve(),
};

beforeAll(async () => {
  const [port] = await freePorts(1);
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { metrics: workerMetricsExporter(`127.0.0.1:${port}`) },
  });
  env = await createTimeSkippingEnv();
  const logger = pino({ level: 'silent' });
  const events = (service: Service) => createEventActivities({ publisher, service, logger });
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.orders,
      workflowBundle: await workflowBundle(),
      activities: events('orders'),
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.inventory,
      activities: { ...fakes.inventory, ...events('inventory') },
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.payments,
      activities: { ...fakes.payments, ...events('payments') },
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.shipping,
      activities: { ...fakes.shipping, ...events('shipping') },
    }),
  ]);
  running = workers.map((w) => w.run());
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await Promise.allSettled(running ?? []);
  await env?.teardown();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(): Promise<Sample[]> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labelText = '', value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = Object.fromEntries(
        [...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name, labels, value: Number(value) };
    });
}

/** Sum of the samples of `name` whose labels include `labels`. */
const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

/** Scrapes until `check` passes: workflow metrics reach the exporter when the task completes. */
async function eventually(check: (samples: Sample[]) => void): Promise<Sample[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const samples = await scrape();
    try {
      check(samples);
      return samples;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const start = (input: OrderSagaInput) =>
  env.client.workflow.start(orderSaga, { ...orderWorkflowStartOptions(input), args: [input, {}] });

const { outcomes, compensationRuns, compensationFailures } = SAGA_METRICS;
const { publishDuration, publishErrors } = ACTIVITY_METRICS;
const handles: Awaited<ReturnType<typeof start>>[] = [];

it('counts outcomes by status and reason, compensations and their failures by step, and publishes', async () => {
  // Completed; its first OrderPlaced publish fails once and is retried by Temporal.
  const happy = orderInput();
  failFirstPlacedOf = happy.orderId;
  // Declined: voidPayment and releaseInventory run.
  const declined = orderInput();
  fakes.scenario(declined.orderId, {
    authorizePayment: () => Promise.reject(business('PaymentDeclined')),
  });
  // Shipping unavailable: cancelShipment, then voidPayment fails for good until support retries.
  const stuck = orderInput();
  let providerDown = true;
  fakes.scenario(stuck.orderId, {
    createShipment: () => Promise.reject(business('ShippingUnavailable')),
    voidPayment: () =>
      providerDown
        ? Promise.reject(ApplicationFailure.nonRetryable('authorization locked', 'ProviderError'))
        : Promise.resolve({ voided: true }),
  });

  for (const input of [happy, declined, stuck]) handles.push(await start(input));
  const [h1, h2, h3] = handles;
  // Support's retry goes out before the other results are awaited: sent after them, the
  // time-skipping server answered "update … not found" here (seen, cause not investigated).
  await waitForState(h3, (s) => s.status === 'COMPENSATION_FAILED');
  await eventually((m) =>
    expect(valueOf(m, compensationFailures.name, { step: 'voidPayment' })).toBe(1),
  );
  providerDown = false;
  await h3.executeUpdate(retryCompensationUpdate, { args: [{ decidedBy: 'support-1' }] });
  expect((await h3.result()).cancellationReason).toBe('SHIPPING_UNAVAILABLE');
  expect((await h1.result()).status).toBe('COMPLETED');
  expect((await h2.result()).cancellationReason).toBe('PAYMENT_DECLINED');

  const saga = { workflowType: 'orderSaga', taskQueue: TASK_QUEUES.orders };
  const m = await eventually((samples) => expect(valueOf(samples, outcomes.name)).toBe(3));
  expect(m.filter((s) => s.name === outcomes.name).map((s) => s.labels)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ ...saga, status: 'COMPLETED', reason: 'none' }),
      expect.objectContaining({ ...saga, status: 'CANCELLED', reason: 'PAYMENT_DECLINED' }),
      expect.objectContaining({ ...saga, status: 'CANCELLED', reason: 'SHIPPING_UNAVAILABLE' }),
    ]),
  );
  for (const [status, reason] of [
    ['COMPLETED', 'none'],
    ['CANCELLED', 'PAYMENT_DECLINED'],
    ['CANCELLED', 'SHIPPING_UNAVAILABLE'],
  ])
    expect({ status, reason, n: valueOf(m, outcomes.name, { status, reason }) }).toEqual({
      status,
      reason,
      n: 1,
    });

  // Every attempt counts as a run, the retry support asked for included.
  expect({
    releaseInventory: valueOf(m, compensationRuns.name, { step: 'releaseInventory' }),
    voidPayment: valueOf(m, compensationRuns.name, { step: 'voidPayment' }),
    cancelShipment: valueOf(m, compensationRuns.name, { step: 'cancelShipment' }),
    refundPayment: valueOf(m, compensationRuns.name, { step: 'refundPayment' }),
  }).toEqual({ releaseInventory: 2, voidPayment: 3, cancelShipment: 1, refundPayment: 0 });
  expect(valueOf(m, compensationFailures.name)).toBe(1);
  expect(valueOf(m, compensationFailures.name, { ...saga, step: 'voidPayment' })).toBe(1);

  // Publish latency for every acknowledged event, and the failed attempt with its error.
  const topic = 'order.events';
  expect(valueOf(m, `${publishDuration.name}_count`, { topic, outcome: 'published' })).toBe(
    published.length,
  );
  expect(
    valueOf(m, `${publishDuration.name}_count`, {
      topic,
      event_type: 'OrderPlaced',
      outcome: 'failed',
      taskQueue: TASK_QUEUES.orders,
      activityType: 'publishOrderEvent',
    }),
  ).toBe(1);
  expect(
    valueOf(m, publishErrors.name, {
      topic,
      event_type: 'OrderPlaced',
      error: 'KafkaJSConnectionError',
    }),
  ).toBe(1);
  expect(valueOf(m, publishErrors.name)).toBe(1);

  // Activity latency comes from the SDK itself, on the same endpoint.
  for (const name of [
    'temporal_activity_execution_latency_count',
    'temporal_activity_schedule_to_start_latency_count',
  ])
    expect({ name, n: valueOf(m, name) > 0 }).toEqual({ name, n: true });
  expect(
    valueOf(m, 'temporal_activity_execution_latency_count', { activity_type: 'voidPayment' }),
  ).toBe(3);
});

it('counts nothing again when the same histories are replayed', async () => {
  expect(handles).toHaveLength(3);
  const before = await scrape();
  const histories = await Promise.all(
    handles.map(async (h) => ({ workflowId: h.workflowId, history: await h.fetchHistory() })),
  );
  const results = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await workflowBundle() },
    histories,
  ))
    results.push(result);
  expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
  const after = await scrape();
  for (const name of [outcomes.name, compensationRuns.name, compensationFailures.name])
    expect({ name, n: valueOf(after, name) }).toEqual({ name, n: valueOf(before, name) });
});
