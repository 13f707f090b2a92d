import type { OrderView } from '../../contracts/read-models';
import { devToken } from '../../scripts/token';
import type { ProjectorProgress } from '../../system/projector-thread';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { sampleOrder, startTestSystem, type TestSystem } from './system';

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
  const token = await devToken({
    sub: 'support-1',
    scope: 'orders:read orders:write orders:support',
    ttlSeconds: 600,
    secret: running.jwtSecret,
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running.apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const stocked = await call('PUT', '/inventory/KETTLE', {
    name: 'kettle',
    unitPrice: 2_500,
    available: 10,
  });
  expect([200, 201]).toContain(stocked.status);
  const placed = await call('POST', '/orders', sampleOrder());
  expect(placed.status).toBe(202);
  const orderId = String(placed.body.orderId);

  let view: OrderView | undefined;
  for (let version = 1; view?.status !== 'COMPLETED';) {
    const res = await call('GET', `/orders/${orderId}?minVersion=${version}&timeoutMs=5000`);
    expect(res.status).toBe(200);
    view = res.body as unknown as OrderView;
    expect(view.status).not.toMatch(/CANCELLED|COMPENSATION_FAILED/);
    version = view.version + 1;
  }
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
