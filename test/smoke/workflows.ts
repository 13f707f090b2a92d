// Trivial workflows proving the servers run real workflow code (bundled by the smoke tests).
import { sleep } from '@temporalio/workflow';

export function greet(name: string): Promise<string> {
  return Promise.resolve(`hello, ${name}`);
}

/** Returns workflow time (deterministic Date) before and after a 30-day timer. */
export async function sleepThirtyDays(): Promise<{ before: number; after: number }> {
  const before = Date.now();
  await sleep('30 days');
  return { before, after: Date.now() };
}
