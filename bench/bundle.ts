import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundle } from '../workers/workflow-bundle';

/** The saga and the baseline workflow in one module. */
export const BENCH_WORKFLOWS_PATH = path.resolve(__dirname, 'bare/workflows.ts');

/** Counts activations on the workflow meter (bench/activation-counter.ts). */
const ACTIVATION_COUNTER = path.resolve(__dirname, 'activation-counter.ts');

/**
 * The saga and the baseline workflow in one bundle, with the activation counter, built once per
 * bench run with the order workers' preloaded modules (workers/workflow-bundle.ts).
 */
export const benchBundle = (): Promise<WorkflowBundleWithSourceMap> =>
  workflowBundle({ workflowsPath: BENCH_WORKFLOWS_PATH, interceptorModules: [ACTIVATION_COUNTER] });
