import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { createReadiness } from '../../api/adapters/readiness';

// The readiness adapter over stand-ins for the three clients: a dependency that never answers
// is reported not ready, by name, once the probe's 2 s are up, and the others still answer.

const never = () => new Promise<never>(() => undefined);

function clients(
  hang: { temporal?: boolean; kafka?: boolean; mongodb?: boolean },
  namespace = 'orders',
) {
  const answer = (hangs: boolean | undefined) => (hangs ? never() : Promise.resolve({}));
  // Stand-ins implement only what the probes call; the casts say so.
  const temporal = {
    options: { namespace },
    workflowService: {
      describeNamespace: ({ namespace }: { namespace: string }) =>
        namespace === 'orders' ? answer(hang.temporal) : Promise.reject(new Error('not found')),
    },
  } as unknown as Client;
  const kafka = {
    admin: () => ({
      connect: () => Promise.resolve(),
      describeCluster: () => answer(hang.kafka),
      disconnect: () => Promise.resolve(),
    }),
  } as unknown as Kafka;
  const mongo = {
    db: () => ({ command: () => answer(hang.mongodb) }),
  } as unknown as MongoClient;
  return { temporal, kafka, mongo };
}

describe('readiness probes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports every dependency ready when each answers', async () => {
    const readiness = createReadiness(clients({}));
    await expect(readiness.check()).resolves.toEqual([
      { name: 'temporal', ok: true },
      { name: 'kafka', ok: true },
      { name: 'mongodb', ok: true },
    ]);
  });

  it("reports Temporal not ready while the API's namespace does not exist there", async () => {
    const readiness = createReadiness(clients({}, 'missing'));
    await expect(readiness.check()).resolves.toContainEqual({
      name: 'temporal',
      ok: false,
      detail: 'not found',
    });
  });

  it('reports a dependency that never answers as not ready after 2 s, naming it', async () => {
    const readiness = createReadiness(clients({ mongodb: true }));
    let settled = false;
    const checked = readiness.check().finally(() => (settled = true));
    await jest.advanceTimersByTimeAsync(1_999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(checked).resolves.toEqual([
      { name: 'temporal', ok: true },
      { name: 'kafka', ok: true },
      { name: 'mongodb', ok: false, detail: 'mongodb probe did not finish within 2000 ms' },
    ]);
  });
});
