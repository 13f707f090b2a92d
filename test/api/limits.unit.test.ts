import request from 'supertest';
import { createMemoryRateLimitCounters } from '../../api/adapters/memory-rate-limit-counters';
import { appSettings, loadApiConfig } from '../../api/config';
import type { Clock } from '../../api/reads/read-your-writes';
import { orderView } from './fakes';
import { apiConfigProblems, bearer, harness, settings, stillClock } from './harness';
import { type App, getAs, postConfirmation } from './requests';

/** A signed confirmation of an order the API does not know. */
const webhook = (app: App, id: string) => postConfirmation(app, 'ord_nope', id);

describe('rate limits', () => {
  it('the payment webhook has its own limit: anonymous traffic from its address cannot use it up', async () => {
    const { app } = harness({
      clock: stillClock(),
      settings: settings({ rateLimitPerMinute: 2, webhookRateLimitPerMinute: 3 }),
    });
    const anonymous = [];
    for (let i = 0; i < 4; i++) anonymous.push((await request(app).get('/orders')).status);
    expect(anonymous).toEqual([401, 401, 429, 429]);
    const hooks = [];
    for (let i = 0; i < 4; i++) hooks.push((await webhook(app, `msg_${i}`)).status);
    expect(hooks).toEqual([404, 404, 404, 429]); // delivered (unknown order) until its own limit
    const limited = await webhook(app, 'msg_x');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((limited.body as { detail: string }).detail).toMatch(
      /3 requests per minute \(webhook\)/,
    );
  });

  it('API instances that share a counter store share the limit', async () => {
    const rateLimits = createMemoryRateLimitCounters();
    const clock = stillClock();
    const a = harness({ rateLimits, clock, settings: settings({ rateLimitPerMinute: 3 }) }).app;
    const b = harness({ rateLimits, clock, settings: settings({ rateLimitPerMinute: 3 }) }).app;
    const alice = await bearer('alice', 'orders:read');
    const statuses = [];
    for (const app of [a, b, a, b])
      statuses.push((await request(app).get('/orders').set('Authorization', alice)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('TRUST_PROXY', () => {
  const trustProxy = (value?: string) =>
    appSettings(loadApiConfig({ LOCAL_MODE: 'true', TRUST_PROXY: value })).trustProxy;
  const problems = (value: string) => apiConfigProblems({ LOCAL_MODE: 'true', TRUST_PROXY: value });

  it('takes a hop count or a list of proxy addresses and subnets', () => {
    expect(trustProxy()).toBe(0);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('10.0.0.0/8, 192.168.1.7,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
    ]);
  });

  it.each(['true', 'false', 'yes', '10.0.0.0/33', '10.0.0.300', ''])('refuses %j', (value) => {
    expect(problems(value)).toEqual([expect.stringMatching(/^TRUST_PROXY: expected a hop count/)]);
  });

  it('a client cannot choose its bucket with X-Forwarded-For unless a proxy is trusted', async () => {
    const statuses = async (trust: number) => {
      const { app } = harness({
        clock: stillClock(),
        settings: settings({ rateLimitPerMinute: 1, trustProxy: trust }),
      });
      const out = [];
      for (const address of ['203.0.113.1', '203.0.113.2'])
        out.push((await request(app).get('/orders').set('X-Forwarded-For', address)).status);
      return out;
    };
    expect(await statuses(0)).toEqual([401, 429]); // the header is ignored: one bucket
    expect(await statuses(1)).toEqual([401, 401]); // the proxy's header names the clients
  });
});

/** A clock whose sleeps end only when the test says so. */
function heldClock() {
  const sleepers: (() => void)[] = [];
  const clock: Clock & { now: () => number } = {
    now: () => 0,
    sleep: () => new Promise<void>((resolve) => sleepers.push(resolve)),
  };
  return { clock, wakeAll: () => sleepers.splice(0).forEach((wake) => wake()) };
}

describe('minVersion waits', () => {
  it('are capped per subject and in total, with 429 and Retry-After; a finished wait frees its slot', async () => {
    const { clock, wakeAll } = heldClock();
    const h = harness({
      clock,
      settings: settings({ minVersionWaits: { total: 2, perSubject: 1 } }),
    });
    h.readModel.views.set('ord_a', orderView({ orderId: 'ord_a', customerId: 'alice' }));
    h.readModel.views.set('ord_b', orderView({ orderId: 'ord_b', customerId: 'bob' }));
    h.readModel.views.set('ord_c', orderView({ orderId: 'ord_c', customerId: 'carol' }));
    const get = (sub: string, orderId: string) =>
      getAs(h.app, `/orders/${orderId}?minVersion=5&timeoutMs=1000`, sub, 'orders:read');
    const started = (n: number) =>
      new Promise<void>((resolve) => {
        const poll = () => (h.readModel.gets >= n ? resolve() : setImmediate(poll));
        poll();
      });

    const alice = get('alice', 'ord_a');
    await started(1);
    const aliceAgain = await get('alice', 'ord_a');
    expect(aliceAgain.status).toBe(429);
    expect(aliceAgain.headers['retry-after']).toBe('1');
    expect(aliceAgain.body).toMatchObject({ limit: 'minVersionWaitsPerSubject' });

    const bob = get('bob', 'ord_b');
    await started(2);
    const carol = await get('carol', 'ord_c');
    expect(carol.status).toBe(429);
    expect(carol.body).toMatchObject({ limit: 'minVersionWaits' });

    // A plain read (no minVersion) is never refused by the cap.
    const plain = await getAs(h.app, '/orders/ord_c', 'carol', 'orders:read');
    expect(plain.status).toBe(200);

    // Time runs out for both waits (the clock is past their deadline when they wake).
    clock.now = () => 5_000;
    wakeAll();
    expect((await alice).status).toBe(200);
    expect((await bob).status).toBe(200);
    // Alice's slot is free again: a wait that is satisfied at once is served.
    h.readModel.views.set(
      'ord_a',
      orderView({ orderId: 'ord_a', customerId: 'alice', version: 5 }),
    );
    const again = await get('alice', 'ord_a');
    expect(again.status).toBe(200);
    expect(again.headers['x-min-version-reached']).toBe('true');
  });
});

describe('/readyz', () => {
  it('is served from a short cache: a burst of probes runs the checks once', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: () => Promise.resolve() };
    const h = harness({ clock, settings: settings({ readinessCacheMs: 2000 }) });
    for (let i = 0; i < 5; i++) expect((await request(h.app).get('/readyz')).status).toBe(200);
    expect(h.readiness.checks).toBe(1);
    now = 2500;
    await request(h.app).get('/readyz');
    expect(h.readiness.checks).toBe(2);
  });

  it('shows no internal detail to anonymous callers; support staff see the probe errors', async () => {
    const h = harness();
    h.readiness.down.add('mongodb');
    const anonymous = await request(h.app).get('/readyz');
    expect(anonymous.status).toBe(503);
    expect(anonymous.text).not.toMatch(/10\.1\.2\.3|27017|ECONNREFUSED/);
    expect(anonymous.body).toMatchObject({ unavailable: ['mongodb'] });
    const support = await getAs(h.app, '/readyz', 'agent', 'orders:support');
    expect(support.text).toMatch(/ECONNREFUSED 10\.1\.2\.3:27017/);
  });
});
