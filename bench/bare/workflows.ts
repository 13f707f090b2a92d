import { proxyActivities } from '@temporalio/workflow';

// Workflow bundle of the bench: the real saga plus the baseline, so one bundle (bundling costs
// seconds of CPU on 2 cores) serves both the saga's and the baseline's workers.

export { orderSaga } from '../../workflows/order-saga';

export interface BareActivities {
  noop(input: { step: number }): Promise<{ step: number }>;
}

/**
 * The baseline: as many activities as the saga's happy path schedules, one after another on
 * the same sequence of task queues, doing nothing. What remains is Temporal's own cost.
 */
export async function bareWorkflow(taskQueues: string[]): Promise<number> {
  let step = 0;
  for (const taskQueue of taskQueues) {
    const { noop } = proxyActivities<BareActivities>({
      taskQueue,
      startToCloseTimeout: '30 seconds',
    });
    step = (await noop({ step: step + 1 })).step;
  }
  return step;
}
