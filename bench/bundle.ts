import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The saga and the baseline workflow in one bundle, built once per bench run. */
export function benchBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, 'bare/workflows.ts'),
    logger: silent,
  });
  return bundle;
}
