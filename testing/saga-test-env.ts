import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkerOptions, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { EventActivities } from '../activities/events/api';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUES } from '../contracts/services';
import type { OrderSagaInput } from '../contracts/order';
import {
  getOrderStateQuery,
  ORDER_SAGA_WORKFLOW_TYPE,
  orderWorkflowStartOptions,
  UpdateRejectionReason,
} from '../workflows/client';
import type {
  OrderSagaSettings,
  OrderSagaWorkflow,
  OrderState,
  UpdateRejection,
} from '../workflows/client';
import { registerSearchAttributes } from '../system/temporal-namespace';
import { workflowBundle } from '../workers/workflow-bundle';
import { FakeServices } from './fake-services';

// One time-skipping server, one workflow bundle and one worker per task queue for a whole
// test file (bundling per test is slow); every saga gets its own order id.

export interface SagaTestEnv {
  env: TestWorkflowEnvironment;
  fakes: FakeServices;
  start(
    input: OrderSagaInput,
    settings?: OrderSagaSettings,
  ): Promise<WorkflowHandle<OrderSagaWorkflow>>;
  shutdown(): Promise<void>;
}

export function testServerPath(): string {
  const serverPath = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (!serverPath)
    throw new Error('TEMPORAL_TEST_SERVER_PATH is not set (the workflow globalSetup sets it)');
  return serverPath;
}

/** Quiet workers: expected activity failures would otherwise fill the test output. */
export function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed by an earlier suite in this Jest worker process: keep that one.
  }
}

/** The time-skipping test server, with the saga's search attributes registered. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  // The time-skipping server has no flag for custom search attributes; its operator API works.
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export async function createSagaTestEnv(
  createEnv: () => Promise<TestWorkflowEnvironment> = createTimeSkippingEnv,
): Promise<SagaTestEnv> {
  installQuietRuntime();
  return sagaTestEnvOn(await createEnv(), new FakeServices());
}

/** What an environment that counts or records changes in the orders worker. */
export interface OrdersWorkerOptions {
  /** Default: the saga's bundle (workers/workflow-bundle.ts). */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** The event activities every worker registers; default: the fakes'. */
  events?: EventActivities;
  sinks?: WorkerOptions['sinks'];
}

/** One worker per task queue on `env`, over `fakes` (test/workflows/activation-counting.ts). */
export async function sagaTestEnvOn(
  env: TestWorkflowEnvironment,
  fakes: FakeServices,
  options: OrdersWorkerOptions = {},
): Promise<SagaTestEnv> {
  const connection = env.nativeConnection;
  const events = options.events ?? fakes.events_;
  const serviceWorker = (taskQueue: string, activities: object) =>
    Worker.create({ connection, taskQueue, activities: { ...activities, ...events } });
  const workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.orders,
      workflowBundle: options.workflowBundle ?? (await workflowBundle()),
      activities: events,
      sinks: options.sinks,
    }),
    serviceWorker(TASK_QUEUES.inventory, fakes.inventory),
    serviceWorker(TASK_QUEUES.payments, fakes.payments),
    serviceWorker(TASK_QUEUES.shipping, fakes.shipping),
  ]);
  const running = workers.map((w) => w.run());
  return {
    env,
    fakes,
    start: (input, settings = {}) =>
      env.client.workflow.start<OrderSagaWorkflow>(ORDER_SAGA_WORKFLOW_TYPE, {
        ...orderWorkflowStartOptions(input),
        args: [input, settings],
      }),
    async shutdown() {
      fakes.openAllGates();
      workers.forEach((w) => w.shutdown());
      await Promise.allSettled(running);
      await env.teardown();
    },
  };
}

/**
 * Why the workflow refused an update: the typed reason its validator gave (what the API maps to
 * a problem type) and the message (for people). Fails when the update was accepted, or failed
 * for anything but a typed refusal.
 */
export async function refusal(update: Promise<unknown>): Promise<UpdateRejection> {
  try {
    await update;
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    const cause = error.cause;
    const reason = UpdateRejectionReason.safeParse(
      cause instanceof ApplicationFailure ? cause.type : undefined,
    );
    if (!reason.success || !cause)
      throw new Error(`the update failed, but not with a typed refusal: ${error.message}`, {
        cause: error,
      });
    return { reason: reason.data, message: cause.message };
  }
  throw new Error('the update was accepted');
}

/** Polls the query until the state matches (time does not skip while polling). */
export async function waitForState(
  handle: WorkflowHandle,
  predicate: (state: OrderState) => boolean,
  timeoutMs = 10_000,
): Promise<OrderState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(getOrderStateQuery);
    if (predicate(state)) return state;
    if (Date.now() > deadline)
      throw new Error(`state never matched; last: ${JSON.stringify(state, null, 2)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
