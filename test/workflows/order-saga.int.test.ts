import { Connection, Client } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import type { EventActivities } from '../../activities/events/api';
import type { OrderEventDraft } from '../../contracts/events';
import { createMongoCatalogStore } from '../../activities/inventory/catalog';
import { serverConfigSchema, loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { confirmPaymentUpdate } from '../../workflows/messages';
import { orderSaga } from '../../workflows/order-saga';
import { orderWorkflowStartOptions } from '../../workflows/client';
import { startInventoryWorker } from '../../workers/inventory';
import { startOrdersWorker } from '../../workers/orders';
import { startPaymentsWorker } from '../../workers/payments';
import type { RunningWorker } from '../../workers/run-worker';
import { startShippingWorker } from '../../workers/shipping';
import { createNamespace } from '../../system/temporal-namespace';
import { orderInput } from '../../testing/fake-services';
import { waitForState } from '../../testing/saga-test-env';
import { workflowBundle } from '../../workers/workflow-bundle';

// Full sagas on the local Temporal dev server (TEMPORAL_ADDRESS) with the four real workers,
// started the way `npm start` does, over real Mongo stores (MONGO_URL) and the simulated
// payment provider. Events are recorded in memory (Kafka is the events engineer's test).
// A namespace of its own keeps these workers away from any other test's workflows.

jest.setTimeout(120_000);

let namespace: string;
let suffix: string;
const events: OrderEventDraft[] = [];
const eventActivities: EventActivities = {
  publishOrderEvent: (draft: OrderEventDraft) => {
    events.push(draft);
    return Promise.resolve();
  },
  publishOrderEvents: (drafts: OrderEventDraft[]) => {
    events.push(...drafts);
    return Promise.resolve();
  },
};

let connection: Connection;
let client: Client;
let mongo: MongoClient;
let workers: RunningWorker[] = [];

beforeAll(async () => {
  const server = loadConfig(serverConfigSchema);
  connection = await Connection.connect({ address: server.TEMPORAL_ADDRESS });
  namespace = await createNamespace(connection, 'saga-it');
  suffix = namespace.replace(/-/g, '_');
  client = new Client({ connection, namespace });
  mongo = await MongoClient.connect(server.MONGO_URL);

  const config = {
    ...server,
    TEMPORAL_NAMESPACE: namespace,
    INVENTORY_DB: `inventory_${suffix}`,
    PAYMENTS_DB: `payments_${suffix}`,
    SHIPPING_DB: `shipping_${suffix}`,
    SHIPPING_COUNTRIES: ['GB', 'DE'],
    PAYMENT_PROVIDER: 'simulated' as const,
  };
  const inventory = createMongoCatalogStore(mongo.db(config.INVENTORY_DB));
  await inventory.upsertSku('SKU-A', { name: 'Kettle', unitPrice: 2_500, available: 10 });
  await inventory.upsertSku('SKU-B', { name: 'Teapot', unitPrice: 1_000, available: 10 });

  const deps = { eventActivities, logger: createLogger('saga-it', 'warn') };
  workers = await Promise.all([
    startOrdersWorker(config, { ...deps, workflowBundle: await workflowBundle() }),
    startInventoryWorker(config, deps),
    startPaymentsWorker(config, deps),
    startShippingWorker(config, deps),
  ]);
});

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.shutdown()));
  if (mongo) {
    for (const db of ['inventory', 'payments', 'shipping'])
      await mongo
        .db(`${db}_${suffix}`)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
  }
  await connection?.close();
});

const stock = async (sku: string) =>
  (
    await mongo
      .db(`inventory_${suffix}`)
      .collection('catalog')
      .findOne({ _id: sku as never })
  )?.available as number;

async function run(overrides: Parameters<typeof orderInput>[0]) {
  const input = orderInput(overrides);
  const handle = await client.workflow.start(orderSaga, {
    ...orderWorkflowStartOptions(input),
    args: [input, {}],
  });
  return { input, handle };
}

it('completes an order: stock taken, payment captured, shipment created, events 1..7', async () => {
  const before = await stock('SKU-A');
  const { input, handle } = await run({
    items: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
  });
  const result = await handle.result();
  expect(result.status).toBe('COMPLETED');
  expect(result.total).toBe(6_000);
  expect(result.trackingNumber).toMatch(/^TRK/);
  expect(await stock('SKU-A')).toBe(before - 2);
  const payment = await mongo
    .db(`payments_${suffix}`)
    .collection('payments')
    .findOne({ _id: result.paymentId as never });
  expect(payment?.status).toBe('CAPTURED');
  expect(events.filter((e) => e.orderId === input.orderId).map((e) => e.sequence)).toEqual([
    1, 2, 3, 4, 5, 6, 7,
  ]);
  // A second start for the same order cannot create a second saga.
  await expect(
    client.workflow.start(orderSaga, { ...orderWorkflowStartOptions(input), args: [input, {}] }),
  ).rejects.toThrow();
});

it('a declined payment gives the stock back', async () => {
  const before = await stock('SKU-B');
  const { handle } = await run({
    paymentToken: 'tok_declined',
    items: [{ sku: 'SKU-B', quantity: 3 }],
  });
  const result = await handle.result();
  expect(result.cancellationReason).toBe('PAYMENT_DECLINED');
  expect(await stock('SKU-B')).toBe(before);
});

it('a flaky provider is retried until it authorizes', async () => {
  const { handle } = await run({
    paymentToken: 'tok_flaky',
    items: [{ sku: 'SKU-A', quantity: 1 }],
  });
  expect((await handle.result()).status).toBe('COMPLETED');
});

it('3-D Secure: waits for the confirmation, then completes', async () => {
  const { handle } = await run({ paymentToken: 'tok_3ds', items: [{ sku: 'SKU-A', quantity: 1 }] });
  const waiting = await waitForState(
    handle,
    (s) => s.status === 'AWAITING_PAYMENT_CONFIRMATION',
    30_000,
  );
  await handle.executeUpdate(confirmPaymentUpdate, {
    args: [{ outcome: 'confirmed', paymentId: waiting.paymentId }],
  });
  expect((await handle.result()).status).toBe('COMPLETED');
});

it('capture declined after shipping: shipment cancelled, authorization voided, stock back', async () => {
  const before = await stock('SKU-A');
  const { handle } = await run({
    paymentToken: 'tok_capture_fails',
    items: [{ sku: 'SKU-A', quantity: 1 }],
  });
  const result = await handle.result();
  expect(result.cancellationReason).toBe('CAPTURE_FAILED');
  expect(result.steps).toMatchObject({
    reserveInventory: 'COMPENSATED',
    authorizePayment: 'COMPENSATED',
    createShipment: 'COMPENSATED',
  });
  expect(await stock('SKU-A')).toBe(before);
  const shipment = await mongo
    .db(`shipping_${suffix}`)
    .collection('shipments')
    .findOne({ _id: result.shipmentId as never });
  expect(shipment?.status).toBe('CANCELLED');
});
