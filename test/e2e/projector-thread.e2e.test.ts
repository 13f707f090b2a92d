import type { ProjectorProgress } from '../../system/projector-thread';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { orderClient, sampleOrder } from './order-client';
import { startTestSystem, type TestSystem } from './system';

// The benchmark runs each projector on a thread of its own (system/projector-thread.ts), as it
// is a process of its own when deployed: an order placed through the API is projected by it,
// its commits reach the caller with their time, and the system stops with the thread.

jest.setTimeout(120_000);

let system: TestSystem | undefined;
const marks: (ProjectorProgress & { instance: number; receivedAt: number })[] = [];

afterAll(async () => {
  await system?.stop();
});

it('projects an order on the projector threads and reports each commit with its time', async () => {
  installQuietRuntime();
  const startedAt = Date.now();
  const running = await startTestSystem('e2e-projector-thread', {
    projectorThreads: true,
    onProjectorProgress: (instance, progress) =>
      marks.push({ ...progress, instance, receivedAt: Date.now() }),
  });
  system = running;
  const client = orderClient(running);
  await client.stock('KETTLE', 2_500, 10);
  const view = await client.final(await client.place(sampleOrder('alice')));
  expect(view.status).toBe('COMPLETED');
  expect(view.timeline.map((t) => t.sequence)).toEqual(
    Array.from({ length: view.version }, (_, i) => i + 1),
  );

  // Every event of the order is committed by the one projector (instance 0), and each commit
  // carries the thread's own time: after the start, never after the message announcing it.
  // (The read model shows an event before its chunk's offsets are committed and reported.)
  const applied = () => marks.reduce((n, m) => n + m.counts.applied, 0);
  for (let waited = 0; applied() < view.version && waited < 10_000; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
  expect(applied()).toBe(view.version);
  for (const mark of marks) {
    expect(mark.instance).toBe(0);
    expect(mark.at).toBeGreaterThanOrEqual(startedAt);
    expect(mark.at).toBeLessThanOrEqual(mark.receivedAt);
  }

  // Stopping ends the thread: no commit is reported afterwards, and the stop returns.
  await running.stop();
  system = undefined;
  const after = marks.length;
  await new Promise((r) => setTimeout(r, 500));
  expect(marks.length).toBe(after);
});
