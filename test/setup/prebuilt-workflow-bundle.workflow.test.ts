// The mapping works: code that imports workers/workflow-bundle gets the run's prebuilt bundle.
import { readFileSync } from 'node:fs';
import * as mapped from '../../workers/workflow-bundle';
import * as prebuilt from './prebuilt-workflow-bundle';

it('serves the bundle built once by globalSetup to every importer of workers/workflow-bundle', async () => {
  expect(mapped.workflowBundle).toBe(prebuilt.workflowBundle);
  const file = process.env.ORDER_SAGA_PREBUILT_WORKFLOW_BUNDLE;
  expect(file).toBeDefined();
  const bundle = await mapped.workflowBundle();
  expect(bundle.code).toBe((JSON.parse(readFileSync(file ?? '', 'utf8')) as { code: string }).code);
  expect(bundle.code).toMatch(/orderSaga/);
});
