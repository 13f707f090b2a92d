import { SignJWT } from 'jose';
import { createVerifiedTokenCache } from '../../api/auth/token-cache';
import { createTokenVerifier, InvalidTokenError } from '../../api/auth/verifier';
import { TEST_SECRET } from './harness';

// Verified tokens are remembered until they would stop verifying, and never beyond.

const T0 = 1_700_000_000_000;
const alice = { sub: 'alice', scopes: new Set(['orders:read']) };

describe('verified-token cache', () => {
  let clock = T0;
  const cacheWith = (options: { maxTokenAgeSeconds?: number; maxEntries?: number } = {}) =>
    createVerifiedTokenCache({ ...options, now: () => clock });
  beforeEach(() => {
    clock = T0;
  });

  it('serves a token until its exp, not at it', () => {
    const cache = cacheWith();
    cache.set('t', alice, { exp: T0 / 1000 + 10, iat: T0 / 1000 });
    clock = T0 + 9_999;
    expect(cache.get('t')).toBe(alice);
    clock = T0 + 10_000;
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([
    [
      'ends an entry at iat + the maximum token age, whatever exp says',
      { maxTokenAgeSeconds: 30 },
      { iat: T0 / 1000 },
      30_000,
    ],
    ['keeps an entry at most a minute after it was verified', {}, {}, 60_000],
  ])('%s', (_title, options, claims, endsAfterMs) => {
    const cache = cacheWith(options);
    cache.set('t', alice, { exp: T0 / 1000 + 3600, ...claims });
    clock = T0 + endsAfterMs - 1;
    expect(cache.get('t')).toBe(alice);
    clock = T0 + endsAfterMs;
    expect(cache.get('t')).toBeUndefined();
  });

  it('does not store a token that has already expired', () => {
    const cache = cacheWith();
    cache.set('t', alice, { exp: T0 / 1000 - 1 });
    expect(cache.size).toBe(0);
  });

  it('is bounded: the least recently used token is dropped first', () => {
    const cache = cacheWith({ maxEntries: 2 });
    const exp = T0 / 1000 + 600;
    cache.set('a', alice, { exp });
    cache.set('b', alice, { exp });
    expect(cache.get('a')).toBe(alice); // now b is the least recently used
    cache.set('c', alice, { exp });
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(alice);
    expect(cache.get('c')).toBe(alice);
  });
});

describe('token verifier with its cache', () => {
  const key = new TextEncoder().encode(TEST_SECRET);
  const sign = (claims: { exp: number; iat: number }) =>
    new SignJWT({ scope: 'orders:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuedAt(claims.iat)
      .setExpirationTime(claims.exp)
      .sign(key);

  /** An HS256 verifier (with its cache) over the test secret, with `options` on top. */
  const verifierWith = (
    options: { clockToleranceSeconds?: number; maxTokenAgeSeconds?: number } = {},
  ) => createTokenVerifier({ kind: 'hs256', secret: TEST_SECRET, ...options });

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    jest.setSystemTime(T0);
  });
  afterEach(() => jest.useRealTimers());

  it('answers a repeated token from the cache, and refuses it once it has expired', async () => {
    const verify = verifierWith();
    const token = await sign({ iat: T0 / 1000, exp: T0 / 1000 + 10 });
    const first = await verify(token);
    expect(await verify(token)).toBe(first); // the same object: not verified again
    jest.setSystemTime(T0 + 10_000);
    await expect(verify(token)).rejects.toThrow('the token has expired');
  });

  it('past exp within the clock tolerance the token is verified again, not served', async () => {
    const verify = verifierWith({ clockToleranceSeconds: 5 });
    const token = await sign({ iat: T0 / 1000, exp: T0 / 1000 + 10 });
    const first = await verify(token);
    jest.setSystemTime(T0 + 12_000);
    const again = await verify(token);
    expect(again).not.toBe(first);
    expect(again.sub).toBe('alice');
    jest.setSystemTime(T0 + 15_000);
    await expect(verify(token)).rejects.toThrow(InvalidTokenError);
  });

  it('a cached token older than the maximum token age is refused', async () => {
    const verify = verifierWith({ maxTokenAgeSeconds: 60 });
    const token = await sign({ iat: T0 / 1000, exp: T0 / 1000 + 3600 });
    await verify(token);
    jest.setSystemTime(T0 + 61_000);
    await expect(verify(token)).rejects.toThrow(/maximum token age/);
  });
});
