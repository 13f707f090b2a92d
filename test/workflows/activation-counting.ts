import type { InjectedSinks, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FakeServices } from '../../testing/fake-services';
import {
  createTimeSkippingEnv,
  installQuietRuntime,
  sagaTestEnvOn,
  type SagaTestEnv,
} from '../../testing/saga-test-env';
import type { History } from '../../testing/history-fixtures';
import { workflowBundle } from '../../workers/workflow-bundle';
import type { OrderEventDraft } from '../../contracts/events';
import type { EventActivities } from '../../activities/events/api';
import type { ActivationSinks } from './activation-counter';

// What one order costs the orders worker, counted: its workflow tasks (from its history) and
// the activations the SDK ran for it (counted live by activation-counter.ts). The same saga
// test environment as createSagaTestEnv, with the counter bundled into the workflow, and every
// publish recorded as the batch of sequence numbers it sent (and held while `beforePublish` is).

/** The cost of one order's run, from its history and the live count. */
export interface OrderCost {
  workflowTasks: number;
  localActivities: number;
  activations: number;
}

export interface CountingSagaTestEnv extends SagaTestEnv {
  /** Activations concluded so far for the workflow `workflowId` (live, not replayed). */
  activations(workflowId: string): number;
  /** The sequence numbers of each publish of the order's events, in order (attempts included). */
  publishes(orderId: string): number[][];
  /** The bundle the orders worker runs (with the counter), to replay a history against. */
  workflowBundle: WorkflowBundleWithSourceMap;
}

export interface CountingOptions {
  /** Runs before each publish is recorded; a publish is held while it is pending. */
  beforePublish?: (drafts: readonly OrderEventDraft[]) => Promise<void>;
}

/** The saga's bundle with the activation counter (bundled once per test file). */
const bundleWithCounter = () =>
  workflowBundle({ interceptorModules: [require.resolve('./activation-counter')] });

/** Workflow tasks completed and local activities recorded in `history`. */
export function tasksOf(history: History): Omit<OrderCost, 'activations'> {
  const events = history.events ?? [];
  return {
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    localActivities: events.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length,
  };
}

/** A time-skipping saga test environment whose orders worker counts activations. */
export async function createCountingSagaTestEnv(
  options: CountingOptions = {},
): Promise<CountingSagaTestEnv> {
  installQuietRuntime();
  const env = await createTimeSkippingEnv();
  const fakes = new FakeServices();
  const counts = new Map<string, number>();
  const publishes = new Map<string, number[][]>();
  const publish = async (drafts: OrderEventDraft[]) => {
    await options.beforePublish?.(drafts);
    const orderId = drafts[0].orderId;
    publishes.set(orderId, [...(publishes.get(orderId) ?? []), drafts.map((d) => d.sequence)]);
    await fakes.events_.publishOrderEvents(drafts);
  };
  const events: EventActivities = {
    publishOrderEvent: (draft) => publish([draft]),
    publishOrderEvents: publish,
  };
  const sinks: InjectedSinks<ActivationSinks> = {
    activations: {
      concluded: {
        fn: ({ workflowId }) => {
          counts.set(workflowId, (counts.get(workflowId) ?? 0) + 1);
        },
      },
    },
  };
  const workflowBundle = await bundleWithCounter();
  const base = await sagaTestEnvOn(env, fakes, { workflowBundle, events, sinks });
  return {
    ...base,
    activations: (workflowId) => counts.get(workflowId) ?? 0,
    publishes: (orderId) => publishes.get(orderId) ?? [],
    workflowBundle,
  };
}
