import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { sleepThirtyDays } from './workflows';

jest.setTimeout(120_000);

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

describe('time-skipping test server (smoke)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    const path = process.env.TEMPORAL_TEST_SERVER_PATH;
    if (!path) {
      throw new Error(
        "TEMPORAL_TEST_SERVER_PATH is not set: run through the Jest 'workflow' project, whose " +
          'globalSetup (test/setup/provision-binaries.ts) provisions it',
      );
    }
    // An existing binary: the SDK's default download does not work offline.
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path } },
    });
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a 30-day timer', async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
    });
    const envBefore = await env.currentTimeMs();
    const { before, after } = await worker.runUntil(
      env.client.workflow.execute(sleepThirtyDays, { taskQueue, workflowId: taskQueue }),
    );
    expect(after - before).toBeGreaterThanOrEqual(THIRTY_DAYS_MS);
    expect((await env.currentTimeMs()) - envBefore).toBeGreaterThanOrEqual(THIRTY_DAYS_MS);
  });
});
