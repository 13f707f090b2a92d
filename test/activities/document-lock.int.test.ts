import type { Db } from 'mongodb';
import { createDocumentLock } from '../../activities/shared/document-lock';
import { openTestDb } from './mongo-test-db';

jest.setTimeout(30_000);

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('document_lock_it'));
});
afterAll(() => close());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('document lock', () => {
  it('never lets two holders of one key run at once', async () => {
    const lock = createDocumentLock(db, { leaseMs: 2_000, waitMs: 10_000 });
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        lock.with('k:many', async () => {
          most = Math.max(most, ++inside);
          await pause(20);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('two processes (two lock instances) with queued callers never run at once', async () => {
    const a = createDocumentLock(db, { leaseMs: 2_000, waitMs: 20_000 });
    const b = createDocumentLock(db, { leaseMs: 2_000, waitMs: 20_000 });
    let inside = 0;
    let most = 0;
    let runs = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).with('k:two', async () => {
          most = Math.max(most, ++inside);
          await pause(10);
          inside--;
          runs++;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(runs).toBe(12);
  });

  it('a caller that waits past its deadline gives up (retryable) and the queue goes on', async () => {
    const lock = createDocumentLock(db, { leaseMs: 2_000, waitMs: 200 });
    const order: string[] = [];
    const holder = lock.with('k:queue', async () => {
      await pause(600);
      order.push('holder');
    });
    const late = lock.with('k:queue', () => Promise.resolve(order.push('late')));
    await expect(late).rejects.toThrow('k:queue is busy; try again');
    await holder;
    await expect(lock.with('k:queue', () => Promise.resolve('next'))).resolves.toBe('next');
    expect(order).toEqual(['holder']);
  });

  it('a live holder slower than one lease keeps the lock (it renews the lease)', async () => {
    // Two instances, as two processes: callers of one instance queue in memory instead.
    const lock = createDocumentLock(db, { leaseMs: 1_000, waitMs: 10_000 });
    const other = createDocumentLock(db, { leaseMs: 1_000, waitMs: 10_000 });
    const order: string[] = [];
    const slow = lock.with('k:slow', async () => {
      order.push('slow in');
      await pause(3_000); // three leases: without renewal the waiter takes over after one
      order.push('slow out');
    });
    await pause(50);
    const waiter = other.with('k:slow', () => {
      order.push('waiter in');
      return Promise.resolve();
    });
    await Promise.all([slow, waiter]);
    expect(order).toEqual(['slow in', 'slow out', 'waiter in']);
  });

  it('takes over the lease of a holder that crashed', async () => {
    const lock = createDocumentLock(db, { leaseMs: 200, waitMs: 5_000 });
    await db.collection('locks').insertOne({
      _id: 'k:crashed' as unknown as never,
      owner: 'gone',
      expiresAt: new Date(Date.now() + 200),
    });
    const started = Date.now();
    await expect(lock.with('k:crashed', () => Promise.resolve('ran'))).resolves.toBe('ran');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
