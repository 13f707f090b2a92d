import { SignJWT } from 'jose';
import request from 'supertest';
import { appSettings, loadApiConfig } from '../../api/config';
import {
  apiConfigProblems as problemsOf,
  harness,
  LOCAL,
  PRIVATE_NETWORK,
  settings,
  TEST_SECRET,
} from './harness';

const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

const signed = (claims: { exp?: number; iss?: string; aud?: string }) => {
  let jwt = new SignJWT({ scope: 'orders:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice');
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(key);
};

const statusWith = async (token: string, toleranceSeconds?: number) => {
  const { app } = harness({
    settings: settings({
      auth: { kind: 'hs256', secret: TEST_SECRET, clockToleranceSeconds: toleranceSeconds },
    }),
  });
  const res = await request(app).get('/orders').set('Authorization', `Bearer ${token}`);
  return { status: res.status, challenge: res.headers['www-authenticate'] };
};

describe('bearer tokens', () => {
  it('a token without exp is refused (it would never expire)', async () => {
    const { status, challenge } = await statusWith(await signed({}));
    expect(status).toBe(401);
    expect(challenge).toMatch(
      /error="invalid_token", error_description="the token has no exp claim"/,
    );
  });

  it('a small clock tolerance accepts a token expired within it, and no more', async () => {
    const justExpired = await signed({ exp: now() - 3 });
    expect((await statusWith(justExpired, 0)).status).toBe(401);
    expect((await statusWith(justExpired, 10)).status).toBe(200);
    expect((await statusWith(await signed({ exp: now() - 30 }), 10)).status).toBe(401);
  });

  it('JWT_CLOCK_TOLERANCE_SECONDS: 5 s by default, a whole number of at most 60', () => {
    expect(appSettings(loadApiConfig(LOCAL)).auth.clockToleranceSeconds).toBe(5);
    expect(
      appSettings(loadApiConfig({ ...LOCAL, JWT_CLOCK_TOLERANCE_SECONDS: '0' })).auth,
    ).toMatchObject({
      clockToleranceSeconds: 0,
    });
    for (const bad of ['600', '-1', '2.5', 'soon'])
      expect(problemsOf({ ...LOCAL, JWT_CLOCK_TOLERANCE_SECONDS: bad })).toEqual([
        expect.stringMatching(/^JWT_CLOCK_TOLERANCE_SECONDS: /),
      ]);
  });

  it('production requires JWT_ISSUER and JWT_AUDIENCE, with a secret or with JWKS', () => {
    const production = {
      NODE_ENV: 'production',
      ...PRIVATE_NETWORK,
      PAYMENT_WEBHOOK_SECRET: 'a-real-webhook-secret',
    };
    for (const keys of [
      { JWKS_URL: 'https://idp.example/jwks' },
      { JWT_SECRET: 'a-real-jwt-secret-of-at-least-32-characters' },
    ]) {
      expect(problemsOf({ ...production, ...keys })).toEqual([
        expect.stringMatching(/^JWT_ISSUER: required outside local mode.*\(not set\)$/),
        expect.stringMatching(/^JWT_AUDIENCE: required outside local mode.*\(not set\)$/),
      ]);
      const ok = loadApiConfig({
        ...production,
        ...keys,
        JWT_ISSUER: 'https://idp.example/',
        JWT_AUDIENCE: 'order-saga',
      });
      expect(appSettings(ok).auth).toMatchObject({
        issuer: 'https://idp.example/',
        audience: 'order-saga',
      });
    }
  });

  it('with an issuer and audience configured, a token for another audience is refused', async () => {
    const { app } = harness({
      settings: settings({
        auth: { kind: 'hs256', secret: TEST_SECRET, issuer: 'idp', audience: 'order-saga' },
      }),
    });
    const get = async (token: string) =>
      (await request(app).get('/orders').set('Authorization', `Bearer ${token}`)).status;
    const exp = now() + 600;
    expect(await get(await signed({ exp, iss: 'idp', aud: 'order-saga' }))).toBe(200);
    expect(await get(await signed({ exp, iss: 'idp', aud: 'billing' }))).toBe(401);
    expect(await get(await signed({ exp, aud: 'order-saga' }))).toBe(401);
  });
});
