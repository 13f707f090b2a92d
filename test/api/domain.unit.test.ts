import fc from 'fast-check';
import { closedCancelReason } from '../../api/adapters/temporal-order-commands';
import { summarizeHistory } from '../../api/adapters/temporal-history';
import { ConfigError } from '../../lib/config';
import { appSettings, DEV_JWT_SECRET, loadApiConfig } from '../../api/config';
import { bodyHash } from '../../api/application/body-hash';
import { decodeCursor, encodeCursor } from '../../api/reads/cursor';
import { createReadModelWatch, type Clock } from '../../api/reads/read-your-writes';
import { signPayload, verifySignature } from '../../api/webhook/legacy-signature';
import { createMemoryRateLimitCounters } from '../../api/adapters/memory-rate-limit-counters';

describe('cursor', () => {
  it('round-trips any position and rejects anything else', () => {
    fc.assert(
      fc.property(
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-01-01') }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/),
        (d, id) => {
          const p = { createdAt: d.toISOString(), orderId: id };
          expect(decodeCursor(encodeCursor(p))).toEqual(p);
        },
      ),
    );
    fc.assert(fc.property(fc.string(), (s) => void decodeCursor(s))); // never throws
    expect(decodeCursor('garbage')).toBeNull();
    expect(decodeCursor('2026-01-01T00:00:00.000Z~ord 1')).toBeNull();
  });
});

describe('bodyHash', () => {
  it('ignores key order and undefined members, not values', () => {
    expect(bodyHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      bodyHash({ b: [1, { d: 3, c: 2 }], a: 1, e: undefined }),
    );
    expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
  });
});

describe('webhook signature', () => {
  it('accepts exactly the HMAC of the raw bytes (hex, optional sha256= prefix)', () => {
    const raw = Buffer.from('{"orderId":"o","outcome":"confirmed"}');
    const sig = signPayload('s3cret', raw);
    expect(verifySignature('s3cret', raw, sig)).toBe(true);
    expect(verifySignature('s3cret', raw, `sha256=${sig.toUpperCase()}`)).toBe(true);
    expect(verifySignature('other', raw, sig)).toBe(false);
    expect(verifySignature('s3cret', Buffer.concat([raw, Buffer.from(' ')]), sig)).toBe(false);
    expect(verifySignature('s3cret', raw, undefined)).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => verifySignature('s3cret', raw, s) === false));
  });
});

describe('in-memory rate-limit counters', () => {
  it('count hits per key and window, take one back, and keep at most maxKeys keys', async () => {
    const counters = createMemoryRateLimitCounters(2);
    expect(await counters.hit('a', 0, 60_000)).toBe(1);
    expect(await counters.hit('a', 0, 60_000)).toBe(2);
    await counters.unhit('a', 0);
    expect(await counters.hit('a', 0, 60_000)).toBe(2);
    expect(await counters.hit('a', 60_000, 60_000)).toBe(1); // a new window starts over
    await counters.hit('b', 0, 60_000);
    await counters.hit('c', 0, 60_000); // evicts a, the least recently used
    expect(await counters.hit('a', 60_000, 60_000)).toBe(1);
  });
});

/** Time moves only when the test says; sleepers wake when their time has come. */
function manualClock() {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    clock,
    settle,
    /** Moves time forward one sleeper at a time, letting each woken round run. */
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        await settle();
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > until) break;
        sleepers.shift();
        now = next.at;
        next.wake();
      }
      now = until;
      await settle();
    },
  };
}

describe('createReadModelWatch', () => {
  const views = () => {
    const docs = new Map<string, { version: number }>();
    const batches: string[][] = [];
    const options = {
      loadOne: (id: string) => Promise.resolve(docs.get(id) ?? null),
      loadMany: (ids: readonly string[]) => {
        batches.push([...ids]);
        return Promise.resolve(
          new Map(ids.flatMap((id) => (docs.has(id) ? [[id, docs.get(id)!] as const] : []))),
        );
      },
    };
    return { docs, batches, options };
  };
  const atLeast =
    (n: number) =>
    (v: { version: number } | null): boolean =>
      (v?.version ?? 0) >= n;

  it('reads all open waits together once a round, however many clients wait', async () => {
    const { clock, advance, settle } = manualClock();
    const { docs, batches, options } = views();
    const watch = createReadModelWatch({ ...options, clock, intervalMs: 25 });
    const ids = Array.from({ length: 50 }, (_, i) => `ord_${i}`);
    for (const id of ids) docs.set(id, { version: 1 });
    const waits = ids.map((id) => watch.wait(id, { isDone: atLeast(2), timeoutMs: 1000 }));
    await settle();
    await advance(1000);
    const outcomes = await Promise.all(waits);
    // 40 rounds in 1 s (the last one at the deadline), each one read of all 50 ids; a poll per
    // wait would have read 50 times as often.
    expect(batches).toHaveLength(40);
    for (const batch of batches) expect(batch.sort()).toEqual([...ids].sort());
    for (const outcome of outcomes)
      expect(outcome).toEqual({ value: { version: 1 }, reached: false, waitedMs: 1000 });
  });

  it('settles a wait in the round after its version appears, and only that wait', async () => {
    const { clock, advance, settle } = manualClock();
    const { docs, options } = views();
    const watch = createReadModelWatch({ ...options, clock, intervalMs: 25 });
    let settled = 0;
    const a = watch.wait('ord_a', { isDone: atLeast(3), timeoutMs: 5000 }).finally(() => settled++);
    const b = watch.wait('ord_b', { isDone: atLeast(1), timeoutMs: 100 }).finally(() => settled++);
    await settle();
    await advance(60);
    docs.set('ord_a', { version: 3 });
    await advance(15);
    expect(await a).toEqual({ value: { version: 3 }, reached: true, waitedMs: 75 });
    expect(settled).toBe(1);
    await advance(25);
    expect(await b).toEqual({ value: null, reached: false, waitedMs: 100 });
  });

  it('answers a wait that is already satisfied from one read, without a round', async () => {
    const { clock } = manualClock();
    const { docs, batches, options } = views();
    docs.set('ord_a', { version: 4 });
    const watch = createReadModelWatch({ ...options, clock });
    expect(await watch.wait('ord_a', { isDone: atLeast(4), timeoutMs: 1000 })).toEqual({
      value: { version: 4 },
      reached: true,
      waitedMs: 0,
    });
    expect(batches).toHaveLength(0);
  });

  it('fails the waits a failed read carried, with its error', async () => {
    const { clock, advance, settle } = manualClock();
    const { options } = views();
    const down = new Error('database down');
    const watch = createReadModelWatch({
      ...options,
      loadMany: () => Promise.reject(down),
      clock,
    });
    const failed = watch.wait('ord_a', { isDone: atLeast(1), timeoutMs: 1000 }).then(
      () => 'settled',
      (error: unknown) => error,
    );
    await settle();
    await advance(25);
    expect(await failed).toBe(down);
  });

  it('ends the wait of a client that went away at once, with what it last saw', async () => {
    const { clock, advance, settle } = manualClock();
    const { docs, options } = views();
    docs.set('ord_a', { version: 1 });
    const watch = createReadModelWatch({ ...options, clock });
    const gone = new AbortController();
    const wait = watch.wait('ord_a', { isDone: atLeast(2), timeoutMs: 1000, signal: gone.signal });
    await settle();
    await advance(30);
    gone.abort();
    expect(await wait).toEqual({ value: { version: 1 }, reached: false, waitedMs: 30 });
  });
});

describe('summarizeHistory', () => {
  it('names steps, links completions to their scheduling event and keeps failure messages', () => {
    const ts = (s: number) => ({ seconds: { toNumber: () => s }, nanos: 500_000_000 });
    const events = summarizeHistory([
      {
        eventId: 1,
        eventTime: ts(1_767_225_600),
        workflowExecutionStartedEventAttributes: { workflowType: { name: 'orderSaga' } },
      },
      {
        eventId: 5,
        activityTaskScheduledEventAttributes: { activityType: { name: 'reserveInventory' } },
      },
      { eventId: 6, activityTaskStartedEventAttributes: { scheduledEventId: 5 } },
      {
        eventId: 7,
        activityTaskFailedEventAttributes: {
          scheduledEventId: 5,
          failure: { message: 'activity failed', cause: { message: 'OutOfStock' } },
        },
      },
      { eventId: 8, timerStartedEventAttributes: { timerId: 'approval-deadline' } },
      { eventId: 9, timerFiredEventAttributes: { startedEventId: 8 } },
      {
        eventId: 10,
        workflowExecutionUpdateAcceptedEventAttributes: {
          acceptedRequest: { input: { name: 'cancelOrder' } },
        },
      },
    ]);
    expect(events).toEqual([
      {
        eventId: 1,
        type: 'WorkflowExecutionStarted',
        time: '2026-01-01T00:00:00.500Z',
        name: 'orderSaga',
      },
      { eventId: 5, type: 'ActivityTaskScheduled', name: 'reserveInventory' },
      { eventId: 6, type: 'ActivityTaskStarted', name: 'reserveInventory' },
      {
        eventId: 7,
        type: 'ActivityTaskFailed',
        name: 'reserveInventory',
        failure: 'activity failed: OutOfStock',
      },
      { eventId: 8, type: 'TimerStarted', name: 'approval-deadline' },
      { eventId: 9, type: 'TimerFired', name: 'approval-deadline' },
      { eventId: 10, type: 'WorkflowExecutionUpdateAccepted', name: 'cancelOrder' },
    ]);
  });
});

describe('closedCancelReason', () => {
  it('a finished order: too late once the shipment exists; otherwise already cancelled', () => {
    expect(closedCancelReason('SHIPMENT_CREATED')).toBe('TOO_LATE_TO_CANCEL');
    expect(closedCancelReason('COMPLETED')).toBe('TOO_LATE_TO_CANCEL');
    expect(closedCancelReason('CANCELLED')).toBe('ALREADY_CANCELLING');
    expect(closedCancelReason(undefined)).toBe('ALREADY_CANCELLING');
  });
});

describe('API configuration', () => {
  it('uses documented defaults in local mode', () => {
    const config = loadApiConfig({ LOCAL_MODE: 'true' });
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.PORT).toBe(3000);
    expect(appSettings(config).auth).toEqual({
      kind: 'hs256',
      secret: DEV_JWT_SECRET,
      issuer: undefined,
      audience: undefined,
      clockToleranceSeconds: 5,
      maxTokenAgeSeconds: 3600,
    });
  });

  it('refuses to start in production without real secrets, naming the variables', () => {
    const production = { NODE_ENV: 'production', ALLOW_PLAINTEXT: 'temporal,kafka,mongodb' };
    expect(() => loadApiConfig(production)).toThrow(ConfigError);
    expect(() => loadApiConfig({ ...production, JWT_SECRET: DEV_JWT_SECRET })).toThrow(
      /JWT_SECRET: is the published development value[\s\S]*PAYMENT_WEBHOOK_SECRET: required/,
    );
    const ok = loadApiConfig({
      ...production,
      JWKS_URL: 'https://idp.example/jwks',
      PAYMENT_WEBHOOK_SECRET: 'a-real-webhook-secret',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'order-saga',
    });
    expect(appSettings(ok).auth).toMatchObject({ kind: 'jwks' });
    expect(() => loadApiConfig({ ...production, LOCAL_MODE: 'true' })).toThrow(
      /LOCAL_MODE: LOCAL_MODE=true is refused with NODE_ENV=production/,
    );
  });
});
