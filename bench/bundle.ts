import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundle } from '../workers/workflow-bundle';

/** The saga and the baseline workflow in one module. */
export const BENCH_WORKFLOWS_PATH = path.resolve(__dirname, 'bare/workflows.ts');

/** The saga and the baseline workflow in one bundle, built once per bench run. */
export function benchBundle(): Promise<WorkflowBundleWithSourceMap> {
  return workflowBundle({ workflowsPath: BENCH_WORKFLOWS_PATH });
}
