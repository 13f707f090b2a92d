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
 * Modules evaluated once per workflow thread and shared by its workflows (the reusable V8 context
 * gives each workflow its own copy of every other module). zod: it keeps no per-workflow state,
 * and evaluating it was about 8 of a new workflow's 19 ms, which a burst of new orders pays one
 * after the other before any of them publishes its first event. Through a module of ours: zod
 * itself is free of side effects for webpack, which compiles a bare preload of it to nothing.
 * Our contracts cannot be shared: zod memoizes on schema objects, and preloaded ones are frozen.
 */
export const PRELOADED_WORKFLOW_MODULES = [require.resolve('../workflows/zod-preload')];

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

export interface WorkflowBundleOptions {
  workflowsPath?: string;
  /** Bundles the OpenTelemetry workflow interceptors in. */
  traced?: boolean;
  /** More workflow interceptor modules (the bench's and the tests' activation counters). */
  interceptorModules?: readonly string[];
}

/**
 * The workflows at `workflowsPath`, bundled once per process with these interceptors: a worker
 * given a prebuilt bundle ignores its own `workflowModules`.
 */
export function workflowBundle(
  options: WorkflowBundleOptions = {},
): Promise<WorkflowBundleWithSourceMap> {
  const { workflowsPath = ORDER_WORKFLOWS_PATH, traced = false, interceptorModules = [] } = options;
  const modules = [...(traced ? TRACING_WORKFLOW_INTERCEPTOR_MODULES : []), ...interceptorModules];
  const key = [workflowsPath, ...modules].join(' + ');
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      logger: silent,
      preloadModules: PRELOADED_WORKFLOW_MODULES,
      ...(modules.length > 0 && { workflowInterceptorModules: modules }),
    });
    bundles.set(key, bundle);
  }
  return bundle;
}
