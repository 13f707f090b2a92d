// Jest globalSetup of the `integration` project: a private stack on free random ports in a
// temp dir (a developer's stack on the default ports is never touched), except for servers the
// environment already names (TEMPORAL_ADDRESS, KAFKA_BROKERS, MONGO_URL).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeStackPorts, startStack } from '../../stack';
import { setupProgress } from './log';
import { prebuildWorkflowBundle } from './prebuilt-workflow-bundle';
import { keepStack } from './stack-handle';

export default async function startTestStack(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-test-stack-'));
  setupProgress(`starting a test stack in ${dir}`);
  const stack = await startStack({
    dir,
    ports: await freeStackPorts(),
    env: process.env,
    onProgress: setupProgress,
  });
  keepStack(stack);
  await prebuildWorkflowBundle(setupProgress);
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    MONGO_URL: stack.mongoUrl,
    TEMPORAL_TEST_SERVER_PATH:
      process.env.TEMPORAL_TEST_SERVER_PATH ?? stack.temporalTestServerPath,
    TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH ?? stack.temporalCliPath,
    ...(stack.temporalUiUrl ? { TEMPORAL_UI_URL: stack.temporalUiUrl } : {}),
  });
  setupProgress(
    `test stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s: temporal ${stack.temporalAddress}, ` +
      `kafka ${stack.kafkaBrokers.join(',')}, mongo ${stack.mongoUrl}`,
  );
}
