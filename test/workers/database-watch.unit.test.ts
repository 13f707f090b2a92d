import type { Db } from 'mongodb';
import { watchDatabase } from '../../workers/database-watch';

// The worker's database watchdog (workers/database-watch.ts) on a fake database whose ping
// answers, fails, or never returns.

type Ping = () => Promise<unknown>;

function fakeDb(ping: Ping): { db: Db; pings: () => number } {
  let pings = 0;
  const db = {
    databaseName: 'payments',
    command: () => {
      pings++;
      return ping();
    },
  } as unknown as Db;
  return { db, pings: () => pings };
}

const never: Ping = () => new Promise(() => {});
const fail: Ping = () => Promise.reject(new Error('connection 3 to 127.0.0.1:27017 closed'));
const ok: Ping = () => Promise.resolve({ ok: 1 });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fast = { intervalMs: 10, limitMs: 120, pingTimeoutMs: 20 };

it.each([
  ['fails', fail],
  ['never answers', never],
])('reports the worker fatal once, naming the database, when every ping %s', async (_, ping) => {
  const fatal: Error[] = [];
  const { db, pings } = fakeDb(ping);
  const stop = watchDatabase({ db, onFatal: (e) => fatal.push(e), ...fast });
  await wait(400);
  stop();
  expect(pings()).toBeGreaterThan(3);
  expect(fatal).toHaveLength(1);
  expect(fatal[0].message).toMatch(/^no successful ping of database payments for \d+ ms$/);
});

it('does not report a database that comes back within the limit', async () => {
  const fatal: Error[] = [];
  let down = true;
  const { db } = fakeDb(() => (down ? fail() : ok()));
  const stop = watchDatabase({ db, onFatal: (e) => fatal.push(e), ...fast });
  await wait(60); // down for half the limit
  down = false;
  await wait(300);
  stop();
  expect(fatal).toEqual([]);
});

it('stops pinging when stopped', async () => {
  const { db, pings } = fakeDb(ok);
  const stop = watchDatabase({ db, onFatal: () => {}, ...fast });
  await wait(50);
  stop();
  const after = pings();
  await wait(50);
  expect(pings()).toBe(after);
});
