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

  it('a live holder slower than one lease keeps the lock (it renews the lease)', async () => {
    const lock = createDocumentLock(db, { leaseMs: 300, waitMs: 10_000 });
    const order: string[] = [];
    const slow = lock.with('k:slow', async () => {
      order.push('slow in');
      await pause(1_200); // four leases: without renewal the waiter takes over after one
      order.push('slow out');
    });
    await pause(50);
    const waiter = lock.with('k:slow', () => {
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
