import type { WorkerOptions } from '@temporalio/worker';
import { ordersWorkerConfigSchema } from './config';
import type { OrdersWorkerConfig } from './config';
import { runAsMain, runWorker } from './run-worker';
import type { RunningWorker, WorkerDeps } from './run-worker';
import { ORDER_WORKFLOWS_PATH, PRELOADED_WORKFLOW_MODULES } from './workflow-bundle';

/**
 * The orchestrator: runs the order saga workflows on the `orders` task queue, and publishes every
 * saga event as a local activity. Env: see ordersWorkerConfigSchema.
 */
export function startOrdersWorker(
  config: OrdersWorkerConfig,
  deps: WorkerDeps & Pick<WorkerOptions, 'workflowBundle'> = {},
): Promise<RunningWorker> {
  const { workflowBundle, ...rest } = deps;
  return runWorker({
    service: 'orders',
    config,
    deps: rest,
    activities: {},
    // Bundled at start from source (tsx) or compiled code (dist); a prebuilt bundle may be passed.
    workflows: workflowBundle
      ? { workflowBundle }
      : {
          workflowsPath: ORDER_WORKFLOWS_PATH,
          bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES },
        },
  });
}

if (require.main === module) runAsMain('orders', ordersWorkerConfigSchema, startOrdersWorker);
