import { Worker } from '@temporalio/worker';
import type { OrderEventDraft } from '../../contracts/events';
import { TASK_QUEUES } from '../../contracts/services';
import type { OrderSagaInput } from '../../contracts/order';
import { FakeServices, orderInput } from '../../testing/fake-services';
import { createTimeSkippingEnv, waitForState } from '../../testing/saga-test-env';
import { recordedPaths, runRecordedPath } from '../../testing/recorded-paths';
import type { RecordedPathName } from '../../testing/recorded-paths';
import { ORDER_SAGA_WORKFLOW_TYPE, orderWorkflowStartOptions } from '../../workflows/client';
import { cancelOrderUpdate } from '../../workflows/client';
import type { OrderSagaWorkflow } from '../../workflows/client';
import { workflowBundle } from '../../workers/workflow-bundle';
import { createCountingSagaTestEnv, tasksOf } from './activation-counting';
import type { CountingSagaTestEnv, OrderCost } from './activation-counting';
import { asRecorded } from './recorded-histories';

// How the saga publishes its events (workflows/order-events.ts): since the
// `events-ride-with-steps` patch each step's activity publishes the events before it, before it
// runs (activities/events/carried-events.ts); events before a wait, compensations' and the last
// go out in local activities, back-to-back ones in one publish. Every event goes out, in order,
// before the order ends; and what an order costs the orders worker in workflow tasks and
// activations.

jest.setTimeout(60_000);

/** Holds the publishes it returns a pending promise for (set by a test, cleared after it). */
let hold: ((drafts: readonly OrderEventDraft[]) => Promise<void>) | undefined;
let t: CountingSagaTestEnv;
beforeAll(async () => {
  t = await createCountingSagaTestEnv({ beforePublish: async (drafts) => hold?.(drafts) });
});
afterEach(() => (hold = undefined));
afterAll(async () => {
  await t?.shutdown();
});

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const path = (name: RecordedPathName) => {
  const found = recordedPaths().find((p) => p.name === name);
  if (!found) throw new Error(`no recorded path ${name}`);
  return found;
};

const startOrder = (input: OrderSagaInput) =>
  t.env.client.workflow.start<OrderSagaWorkflow>(ORDER_SAGA_WORKFLOW_TYPE, {
    ...orderWorkflowStartOptions(input),
    args: [input, {}],
  });

it('a step runs only once the events it carries are published', async () => {
  const input = orderInput();
  const gate = t.fakes.gate();
  let held = false;
  // OrderPriced (sequence 2) rides with the reservation, and hangs, as if Kafka stopped answering.
  hold = (drafts) => {
    if (!drafts.some((d) => d.orderId === input.orderId && d.sequence === 2))
      return Promise.resolve();
    held = true;
    return gate.opened;
  };
  const handle = await startOrder(input);

  await until(() => held, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  // The reservation waits for its event: nothing reaches a service ahead of the facts before it.
  expect(t.fakes.calls(input.orderId)).toEqual(['priceOrder']);
  expect(t.fakes.events(input.orderId).map((e) => e.sequence)).toEqual([1]);

  gate.open();
  expect((await handle.result()).status).toBe('COMPLETED');
  // Once each, in order, all before the workflow completed.
  expect(t.fakes.events(input.orderId).map((e) => [e.sequence, e.type])).toEqual([
    [1, 'OrderPlaced'],
    [2, 'OrderPriced'],
    [3, 'InventoryReserved'],
    [4, 'PaymentAuthorized'],
    [5, 'ShipmentCreated'],
    [6, 'PaymentCaptured'],
    [7, 'OrderCompleted'],
  ]);
  // Its history replays on the production bundle.
  const replay = Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle.fetchHistory(),
    handle.workflowId,
  );
  await expect(replay).resolves.toBeUndefined();
});

it('events a cancelled step never published go out with the next publish, in order', async () => {
  // A server with no inventory worker: the price step, carrying OrderPlaced, never starts.
  const env = await createTimeSkippingEnv();
  const fakes = new FakeServices();
  try {
    const orders = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.orders,
      workflowBundle: await workflowBundle(),
      activities: fakes.events_,
    });
    const input = orderInput();
    const result = await orders.runUntil(async () => {
      const handle = await env.client.workflow.start<OrderSagaWorkflow>(ORDER_SAGA_WORKFLOW_TYPE, {
        ...orderWorkflowStartOptions(input),
        args: [input, {}],
      });
      await waitForState(handle, (s) => s.steps.priceOrder === 'RUNNING');
      await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] });
      return handle.result();
    });
    expect(result.cancellationReason).toBe('CUSTOMER_CANCELLED');
    // OrderPlaced still goes out, before the cancellation: queued again when its carrier was
    // cancelled unstarted (without that, the stream would start at sequence 2).
    expect(fakes.events(input.orderId).map((e) => [e.sequence, e.type])).toEqual([
      [1, 'OrderPlaced'],
      [2, 'OrderCancelled'],
    ]);
    expect(result.version).toBe(2);
  } finally {
    await env.teardown();
  }
});

/**
 * Paths no query or update drives (those vary with the polling): their workflow tasks, local
 * activities and activations, and the sequence numbers each publish sent.
 */
const EXPECTED: Partial<Record<RecordedPathName, { cost: OrderCost; publishes: number[][] }>> = {
  // Each step's activity publishes the event before it; the last two go out in the one local
  // activity. Before the patch: 6 local activities and 12 activations (the SDK completes a task
  // only once its local activities are done, so each cost the task a second activation).
  happy: {
    cost: { workflowTasks: 6, localActivities: 1, activations: 7 },
    publishes: [[1], [2], [3], [4], [5], [6, 7]],
  },
  // The authorization publishes InventoryReserved, then declines; compensations still publish in
  // local activities: PaymentDeclined with OrderCompensating (with the void), PaymentVoided (with
  // the release), InventoryReleased with OrderCancelled. Before: 6 and 12.
  'payment-declined': {
    cost: { workflowTasks: 6, localActivities: 3, activations: 9 },
    publishes: [[1], [2], [3], [4, 5], [6], [7, 8]],
  },
  // OrderCompensating with the release; InventoryReleased with OrderCancelled. Before: 4 and 8.
  'out-of-stock': {
    cost: { workflowTasks: 4, localActivities: 2, activations: 6 },
    publishes: [[1], [2], [3], [4, 5]],
  },
};

it.each(Object.entries(EXPECTED))('%s: its cost and its publishes', async (name, expected) => {
  const recorded = path(name as RecordedPathName);
  const { handle } = await runRecordedPath(t, recorded);
  const history = asRecorded(await handle.fetchHistory());
  expect({
    cost: { ...tasksOf(history), activations: t.activations(handle.workflowId) },
    publishes: t.publishes(recorded.input.orderId),
  }).toEqual(expected);
  // The starter set CustomerId and OrderStatus (orderWorkflowStartOptions): not upserted again.
  const upserted = (history.events ?? []).flatMap((e) =>
    Object.keys(
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
    ),
  );
  expect(upserted).not.toContain('CustomerId');
});
