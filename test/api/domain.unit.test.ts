import fc from 'fast-check';
import { classifyCancelRejection } from '../../api/adapters/temporal-order-commands';
import { summarizeHistory } from '../../api/adapters/temporal-history';
import { ConfigError } from '../../lib/config';
import { appSettings, DEV_JWT_SECRET, loadApiConfig } from '../../api/config';
import { bodyHash } from '../../api/domain/body-hash';
import { decodeCursor, encodeCursor } from '../../api/domain/cursor';
import { pollUntil, type Clock } from '../../api/domain/read-your-writes';
import { signPayload, verifySignature } from '../../api/domain/webhook-signature';
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

describe('pollUntil', () => {
  const fakeClock = () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    };
    return { clock, sleeps };
  };

  it('backs off exponentially up to the cap and stops at the deadline with one last look', async () => {
    const { clock, sleeps } = fakeClock();
    let loads = 0;
    const outcome = await pollUntil(
      () => Promise.resolve(++loads),
      () => false,
      { timeoutMs: 1000, clock },
    );
    expect(outcome).toMatchObject({ reached: false, waitedMs: 1000 });
    expect(sleeps).toEqual([25, 50, 100, 200, 400, 225]);
    expect(loads).toBe(sleeps.length + 1);
  });

  it('returns as soon as the value is done', async () => {
    const { clock } = fakeClock();
    let version = 0;
    const outcome = await pollUntil(
      () => Promise.resolve({ version: ++version }),
      (v) => (v?.version ?? 0) >= 3,
      { timeoutMs: 10_000, clock },
    );
    expect(outcome).toMatchObject({ reached: true, value: { version: 3 }, waitedMs: 75 });
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

describe('classifyCancelRejection', () => {
  it('too late once the shipment exists; otherwise already cancelled', () => {
    expect(classifyCancelRejection('SHIPMENT_CREATED', 'x')).toMatchObject({ reason: 'TOO_LATE' });
    expect(classifyCancelRejection('COMPLETED', 'x')).toMatchObject({ reason: 'TOO_LATE' });
    expect(classifyCancelRejection('COMPENSATING', 'x')).toMatchObject({
      reason: 'ALREADY_CANCELLED',
    });
    expect(
      classifyCancelRejection(undefined, 'The shipment has already been created'),
    ).toMatchObject({ reason: 'TOO_LATE' });
  });
});

describe('API configuration', () => {
  it('uses documented defaults in development', () => {
    const config = loadApiConfig({});
    expect(config.PORT).toBe(3000);
    expect(appSettings(config).auth).toEqual({
      kind: 'hs256',
      secret: DEV_JWT_SECRET,
      issuer: undefined,
      audience: undefined,
      clockToleranceSeconds: 5,
    });
  });

  it('refuses to start in production without real secrets, naming the variables', () => {
    expect(() => loadApiConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadApiConfig({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toMatch(
        /JWT_SECRET[\s\S]*PAYMENT_WEBHOOK_SECRET/,
      );
    }
    const ok = loadApiConfig({
      NODE_ENV: 'production',
      JWKS_URL: 'https://idp.example/jwks',
      PAYMENT_WEBHOOK_SECRET: 'a-real-webhook-secret',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'order-saga',
    });
    expect(appSettings(ok).auth).toMatchObject({ kind: 'jwks' });
    expect(loadApiConfig({ NODE_ENV: 'production', LOCAL_MODE: 'true' }).LOCAL_MODE).toBe(true);
  });
});
