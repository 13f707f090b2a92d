import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { OrderSagaInput } from '../contracts/order';
import {
  cancelOrderUpdate,
  confirmPaymentUpdate,
  rejectOrderUpdate,
  retryCompensationUpdate,
} from '../workflows/messages';
import type { OrderState } from '../workflows/messages';
import { CustomerIdKey, OrderStatusKey, OrderTotalKey } from '../contracts/search-attributes';
import { business, orderInput } from '../testing/fake-services';
import { historyToFixture } from '../testing/history-fixtures';
import type { Overrides } from '../testing/fake-services';
import { createSagaTestEnv, waitForState } from '../testing/saga-test-env';

// Records one workflow history per main path of the saga into
// test/fixtures/histories/<generation>/, for test/workflows/replay.workflow.test.ts. It runs
// each path on a real Temporal dev server (TEMPORAL_CLI_PATH: path of the `temporal` binary; the
// server is started on a free port and stopped afterwards) with deterministic in-process fakes
// on the service task queues (testing/fake-services.ts), so the histories do not depend on
// Mongo or Kafka.
//
// A generation is the workflow code's shape between two patches (e.g. `2-local-publish`). After
// a change that is meant to alter histories, record a NEW generation and keep the old ones:
// replaying all of them proves orders in flight survive the change (see the versioning note in
// workflows/order-saga.ts).
//
//   TEMPORAL_CLI_PATH=/path/to/temporal npx tsx scripts/record-histories.ts <generation>

const HISTORIES = path.resolve(__dirname, '../test/fixtures/histories');

interface Path {
  name: string;
  input?: Partial<OrderSagaInput>;
  overrides?: Overrides;
  /** Drives the saga from outside (updates) once started. */
  drive?: (handle: WorkflowHandle) => Promise<unknown>;
}

const waitFor = (status: OrderState['status']) => (handle: WorkflowHandle) =>
  waitForState(handle, (s) => s.status === status, 30_000);

let voidFailures = 0;
const PATHS: Path[] = [
  { name: 'happy' },
  {
    name: 'payment-declined',
    overrides: { authorizePayment: () => Promise.reject(business('PaymentDeclined')) },
  },
  {
    name: 'out-of-stock',
    overrides: { reserveInventory: () => Promise.reject(business('OutOfStock')) },
  },
  {
    name: 'customer-cancelled',
    input: { paymentToken: 'tok_3ds' },
    drive: async (h) => {
      await waitFor('AWAITING_PAYMENT_CONFIRMATION')(h);
      await h.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] });
    },
  },
  {
    name: 'payment-confirmed',
    input: { paymentToken: 'tok_3ds' },
    drive: async (h) => {
      await waitFor('AWAITING_PAYMENT_CONFIRMATION')(h);
      await h.executeUpdate(confirmPaymentUpdate, { args: [{ outcome: 'confirmed' }] });
    },
  },
  {
    name: 'approval-rejected',
    input: { items: [{ sku: 'SKU-BIG', quantity: 101 }] },
    drive: async (h) => {
      await waitFor('AWAITING_APPROVAL')(h);
      await h.executeUpdate(rejectOrderUpdate, { args: [{ decidedBy: 'support-1' }] });
    },
  },
  {
    name: 'compensation-failed-retried',
    overrides: {
      createShipment: () => Promise.reject(business('ShippingUnavailable')),
      voidPayment: () =>
        ++voidFailures === 1
          ? Promise.reject(ApplicationFailure.nonRetryable('authorization locked', 'ProviderError'))
          : Promise.resolve({ voided: true }),
    },
    drive: async (h) => {
      await waitFor('COMPENSATION_FAILED')(h);
      await h.executeUpdate(retryCompensationUpdate, { args: [{ decidedBy: 'support-1' }] });
    },
  },
];

async function main(): Promise<void> {
  const cli = process.env.TEMPORAL_CLI_PATH;
  if (!cli) throw new Error('Set TEMPORAL_CLI_PATH to the path of the temporal binary');
  const generation = process.argv[2];
  if (!generation || !/^\d+-[a-z0-9-]+$/.test(generation))
    throw new Error(
      'Name the generation to record as the first argument, <number>-<what changed> (e.g. 3-batched-upserts)',
    );
  const out = path.join(HISTORIES, generation);
  const t = await createSagaTestEnv(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: cli },
        searchAttributes: [OrderStatusKey, CustomerIdKey, OrderTotalKey],
      },
    }),
  );
  try {
    mkdirSync(out, { recursive: true });
    for (const p of PATHS) {
      const input = orderInput({ ...p.input, orderId: `replay-${p.name}` });
      t.fakes.scenario(input.orderId, p.overrides);
      const handle = await t.start(input);
      await p.drive?.(handle);
      const result = await handle.result();
      const file = path.join(out, `${p.name}.json`);
      writeFileSync(file, historyToFixture(await handle.fetchHistory()));
      console.log(`${p.name}: ${result.status} ${result.cancellationReason ?? ''} → ${file}`);
    }
  } finally {
    await t.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
