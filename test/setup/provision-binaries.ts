// Jest globalSetup of the `workflow` project: time-skipping tests need the test server binary
// on disk, since the SDK's own download does not work offline. Workers inherit process.env.
import { provision } from '../../stack';
import { setupProgress } from './log';
import { prebuildWorkflowBundle } from './prebuilt-workflow-bundle';

export default async function provisionBinaries(): Promise<void> {
  await prebuildWorkflowBundle(setupProgress);
  if (process.env.TEMPORAL_TEST_SERVER_PATH && process.env.TEMPORAL_CLI_PATH) {
    setupProgress('using TEMPORAL_TEST_SERVER_PATH and TEMPORAL_CLI_PATH from the environment');
    return;
  }
  const bins = await provision({ components: ['temporal'], onProgress: setupProgress });
  process.env.TEMPORAL_TEST_SERVER_PATH ??= bins.temporalTestServer;
  process.env.TEMPORAL_CLI_PATH ??= bins.temporalCli;
}
