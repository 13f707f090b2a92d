import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TRACING_WORKFLOW_INTERCEPTOR_MODULES } from '../lib/tracing';

// Prebuilt workflow bundles for workers started in this process (tests, the in-process system,
// the benchmark): bundling takes seconds, so each bundle is built once per process and shared.
// The worker processes bundle at start instead (workers/orders.ts).

/** The order saga's workflows: workflows/index.ts from source (tsx, Jest), index.js in dist. */
export const ORDER_WORKFLOWS_PATH = require.resolve(path.join(__dirname, '../workflows'));

/**
 * Modules evaluated once per worker thread and shared by every workflow, instead of once per
 * workflow: the reusable V8 context gives each workflow its own copy of every other module.
 * Only zod: it keeps no per-workflow state, and evaluating it took about a third of a new
 * workflow's module time (7 of 21 ms in a CPU profile of the quick saga bench). Our contracts
 * cannot be shared: zod memoizes parsers on the schema objects at first use, and the SDK
 * freezes what preloading created.
 */
export const PRELOADED_WORKFLOW_MODULES = ['zod'];

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflows at `workflowsPath`, bundled once per process. `traced` bundles the OpenTelemetry
 * workflow interceptors in: a worker given a prebuilt bundle ignores its `workflowModules`.
 */
export function workflowBundle(
  options: { workflowsPath?: string; traced?: boolean } = {},
): Promise<WorkflowBundleWithSourceMap> {
  const { workflowsPath = ORDER_WORKFLOWS_PATH, traced = false } = options;
  const key = `${workflowsPath}${traced ? ' (traced)' : ''}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      logger: silent,
      preloadModules: PRELOADED_WORKFLOW_MODULES,
      ...(traced && { workflowInterceptorModules: TRACING_WORKFLOW_INTERCEPTOR_MODULES }),
    });
    bundles.set(key, bundle);
  }
  return bundle;
}
