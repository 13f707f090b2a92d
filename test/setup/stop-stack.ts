// Jest globalTeardown of the `integration` project: stops only what start-stack.ts started.
import { rmSync } from 'node:fs';
import { setupProgress } from './log';
import { takeStack } from './stack-handle';

export default async function stopTestStack(): Promise<void> {
  const stack = takeStack();
  if (!stack) return;
  await stack.stop();
  // STACK_KEEP_DIR=1 keeps data and logs for a post-mortem.
  if (process.env.STACK_KEEP_DIR === '1') {
    setupProgress(`test stack stopped; kept ${stack.dir}`);
  } else {
    rmSync(stack.dir, { recursive: true, force: true });
    setupProgress(`test stack stopped; removed ${stack.dir}`);
  }
}
