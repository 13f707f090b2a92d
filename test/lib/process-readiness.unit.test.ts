import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  answerReadiness,
  createReadinessReporter,
  notReady,
  READY,
  type ReadinessMessage,
} from '../../lib/process-readiness';
import { catchUpReadiness } from '../../projections/runtime/projector';

// A process's readiness: each change is told to the supervisor once, `/readyz` answers 200 or
// 503 with what the process is doing, and a projector is ready when its partitions caught up.

describe('the readiness reporter', () => {
  it('tells the supervisor the first state and each change, once', () => {
    const sent: ReadinessMessage[] = [];
    const reporter = createReadinessReporter(notReady('joining'), (m) => sent.push(m));
    reporter.set(notReady('joining'));
    reporter.set(notReady('catching up'));
    reporter.set(READY);
    reporter.set(READY);
    expect(sent.map((m) => m.readiness)).toEqual([
      notReady('joining'),
      notReady('catching up'),
      READY,
    ]);
    expect(sent.every((m) => m.type === 'order-saga.readiness')).toBe(true);
    expect(reporter.current()).toEqual(READY);
  });
});

describe('GET /readyz', () => {
  async function ask(readiness: Parameters<typeof answerReadiness>[1]) {
    const server = createServer((_req, res) => answerReadiness(res, readiness));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      return { status: res.status, body: await res.json() };
    } finally {
      server.close();
    }
  }

  it('answers 200 when ready, 503 with what the process is doing otherwise', async () => {
    await expect(ask(READY)).resolves.toEqual({ status: 200, body: { status: 'ready' } });
    await expect(ask(notReady('joining consumer group g'))).resolves.toEqual({
      status: 503,
      body: { status: 'not-ready', detail: 'joining consumer group g' },
    });
  });
});

describe('a projector catching up', () => {
  const at = (partition: number, committed: number, end: number) => ({
    partition,
    committed,
    end,
    lag: end - committed,
  });
  const targets = new Map([
    [0, 10],
    [1, 5],
    [2, 7],
  ]);

  it('is ready when its own partitions reached the end offsets they had when it joined', () => {
    // Partition 2 is another instance's; events published after the join are not a backlog.
    expect(catchUpReadiness([0, 1], [at(0, 10, 12), at(1, 5, 9), at(2, 0, 7)], targets)).toEqual(
      READY,
    );
  });

  it('says how many events are left, and on which partitions', () => {
    expect(catchUpReadiness([0, 1, 2], [at(0, 4, 10), at(1, 5, 5), at(2, 6, 7)], targets)).toEqual(
      notReady('catching up: 7 events to project on partition(s) 0, 2'),
    );
  });

  it('is ready with no partition assigned (more instances than partitions)', () => {
    expect(catchUpReadiness([], [at(0, 0, 10)], targets)).toEqual(READY);
  });
});
