// Jest maps `workers/workflow-bundle` to this module (jest.config.js, moduleNameMapper): the
// saga's bundle is built once per `npm test`, by the workflow and integration projects'
// globalSetup (`prebuildWorkflowBundle`), instead of once per test file (webpack, several
// CPU-seconds each, in about 25 files). Any other bundle (another workflows path, one with
// interceptors) is built as before. Fresh each run, so a test never runs an older saga than the source.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
// './' keeps this import out of the moduleNameMapper pattern, so it reaches the real module.
import * as real from '../../workers/./workflow-bundle';

export const { ORDER_WORKFLOWS_PATH, PRELOADED_WORKFLOW_MODULES } = real;

/** Where the prebuilt bundle is (set by globalSetup; test workers inherit process.env). */
const BUNDLE_FILE_ENV = 'ORDER_SAGA_PREBUILT_WORKFLOW_BUNDLE';

let prebuilt: Promise<WorkflowBundleWithSourceMap> | undefined;

export function workflowBundle(
  options: Parameters<typeof real.workflowBundle>[0] = {},
): Promise<WorkflowBundleWithSourceMap> {
  const file = process.env[BUNDLE_FILE_ENV];
  const saga = (options.workflowsPath ?? ORDER_WORKFLOWS_PATH) === ORDER_WORKFLOWS_PATH;
  const plain = saga && !options.traced && !options.interceptorModules?.length;
  if (!file || !plain) return real.workflowBundle(options);
  prebuilt ??= Promise.resolve(
    JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap,
  );
  return prebuilt;
}

/** Builds the saga's bundle into a temp file for this run's test workers (once per run). */
export async function prebuildWorkflowBundle(progress: (line: string) => void): Promise<void> {
  if (process.env[BUNDLE_FILE_ENV]) return;
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-bundle-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bundle.json');
  writeFileSync(file, JSON.stringify(await real.workflowBundle()));
  process.env[BUNDLE_FILE_ENV] = file;
  progress(
    `workflow bundle built once for this run in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}
