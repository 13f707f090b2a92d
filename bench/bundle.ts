import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PRELOADED_WORKFLOW_MODULES } from '../workers/workflow-bundle';

/** The saga and the baseline workflow in one module. */
export const BENCH_WORKFLOWS_PATH = path.resolve(__dirname, 'bare/workflows.ts');

/** Counts activations on the workflow meter (bench/activation-counter.ts). */
const ACTIVATION_COUNTER = path.resolve(__dirname, 'activation-counter.ts');

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The saga and the baseline workflow in one bundle, with the activation counter, built once per
 * bench run, as workers/workflow-bundle.ts builds the order workers' (same preloaded modules).
 */
export function benchBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: BENCH_WORKFLOWS_PATH,
    logger: silent,
    preloadModules: PRELOADED_WORKFLOW_MODULES,
    workflowInterceptorModules: [ACTIVATION_COUNTER],
  });
  return bundle;
}
