import { Worker } from '@temporalio/worker';
import type { OrderEventDraft } from '../../contracts/events';
import { orderInput } from '../../testing/fake-services';
import { recordedPaths, runRecordedPath } from '../../testing/recorded-paths';
import type { RecordedPathName } from '../../testing/recorded-paths';
import { ORDER_SAGA_WORKFLOW_TYPE, orderWorkflowStartOptions } from '../../workflows/client';
import type { OrderSagaWorkflow } from '../../workflows/client';
import { workflowBundle } from '../../workers/workflow-bundle';
import { createCountingSagaTestEnv, tasksOf } from './activation-counting';
import type { CountingSagaTestEnv, OrderCost } from './activation-counting';
import { asRecorded } from './recorded-histories';

// Events behind the steps (the `pipelined-event-publishing` patch, workflows/order-events.ts):
// the next step's command does not wait for the last step's event, events emitted back to back
// go out in one publish, every event goes out once and in order before the order ends; and what
// an order costs the orders worker in workflow tasks and activations.

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

it('a publish that hangs holds the next step only until the workflow task heartbeat', async () => {
  const input = orderInput();
  const gate = t.fakes.gate();
  // OrderPriced (sequence 2) hangs, as if Kafka stopped answering.
  hold = (drafts) =>
    drafts.some((d) => d.orderId === input.orderId && d.sequence === 2)
      ? gate.opened
      : Promise.resolve();
  const handle = await t.env.client.workflow.start<OrderSagaWorkflow>(ORDER_SAGA_WORKFLOW_TYPE, {
    ...orderWorkflowStartOptions(input),
    args: [input, {}],
    // The SDK sends a task's commands at its heartbeat, 80 % of this, while a local activity runs.
    workflowTaskTimeout: '2s',
  });

  // The reservation runs while its predecessor's event is still being published.
  await until(() => t.fakes.calls(input.orderId).includes('reserveInventory'), 15_000);
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
  // The publishes overlapped steps in this run; its history replays on the production bundle.
  const replay = Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle.fetchHistory(),
    handle.workflowId,
  );
  await expect(replay).resolves.toBeUndefined();
});

/**
 * Paths no query or update drives (those vary with the polling): their workflow tasks, local
 * activities and activations, and the sequence numbers each publish sent.
 */
const EXPECTED: Partial<Record<RecordedPathName, { cost: OrderCost; publishes: number[][] }>> = {
  // Unchanged by the patch: one publish per workflow task is the least while each step's event
  // goes out in the task that learns of it (the SDK sends a task's commands only once its local
  // activities are done, so an event published later would wait for the next step's end).
  happy: {
    cost: { workflowTasks: 6, localActivities: 6, activations: 12 },
    publishes: [[1], [2], [3], [4], [5], [6, 7]],
  },
  // PaymentDeclined with OrderCompensating (and the void); InventoryReleased with
  // OrderCancelled. Before the patch 8 local activities and 14 activations.
  'payment-declined': {
    cost: { workflowTasks: 6, localActivities: 6, activations: 12 },
    publishes: [[1], [2], [3], [4, 5], [6], [7, 8]],
  },
  // OrderCompensating with the release; InventoryReleased with OrderCancelled. Before: 5 and 9.
  'out-of-stock': {
    cost: { workflowTasks: 4, localActivities: 4, activations: 8 },
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
