import { SignJWT } from 'jose';
import request from 'supertest';
import { appSettings, DEV_JWT_SECRET, loadApiConfig } from '../../api/config';
import { devToken } from '../../scripts/token';
import { apiConfigProblems, harness, LOCAL, settings, TEST_SECRET } from './harness';

// A maximum token lifetime (JWT_MAX_TOKEN_AGE_SECONDS): `iat` is required, and a token issued
// longer ago is refused whatever its `exp` says, so a leaked long-lived token dies too.

const now = () => Math.floor(Date.now() / 1000);

const tokenWith = (claims: { iat?: number; exp: number }) => {
  let jwt = new SignJWT({ scope: 'orders:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(claims.exp);
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  return jwt.sign(new TextEncoder().encode(TEST_SECRET));
};

async function answer(token: string, maxTokenAgeSeconds = 3600) {
  const { app } = harness({
    settings: settings({
      auth: { kind: 'hs256', secret: TEST_SECRET, clockToleranceSeconds: 5, maxTokenAgeSeconds },
    }),
  });
  const res = await request(app).get('/orders').set('Authorization', `Bearer ${token}`);
  return {
    status: res.status,
    detail: (res.body as { detail?: string }).detail,
    challenge: res.headers['www-authenticate'],
  };
}

describe('maximum token age', () => {
  it('refuses a token issued longer ago than the maximum, though its exp is far away', async () => {
    const old = await tokenWith({ iat: now() - 3700, exp: now() + 30 * 24 * 3600 });
    const res = await answer(old);
    expect(res.status).toBe(401);
    expect(res.detail).toBe(
      'Invalid token: the token was issued more than 3600 s ago, the maximum token age; get a new one.',
    );
    expect(res.challenge).toMatch(/error="invalid_token"/);
  });

  it('refuses a token without iat', async () => {
    const res = await answer(await tokenWith({ exp: now() + 600 }));
    expect(res.status).toBe(401);
    expect(res.detail).toBe(
      'Invalid token: the token has no iat claim (required: tokens have a maximum age).',
    );
  });

  it('accepts a token younger than the maximum, and follows the configured maximum', async () => {
    const token = await tokenWith({ iat: now() - 1800, exp: now() + 600 });
    expect((await answer(token)).status).toBe(200);
    expect((await answer(token, 900)).status).toBe(401);
  });

  it('`npm run token` mints tokens the default configuration accepts', async () => {
    const config = loadApiConfig(LOCAL);
    const { app } = harness({ settings: settings({ auth: appSettings(config).auth }) });
    // The script's defaults: one hour, signed with the development secret, `iat` set.
    const token = await devToken({ sub: 'alice', scope: 'orders:read', ttlSeconds: 3600 });
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
      iat?: number;
    };
    expect(payload.iat).toBeGreaterThan(now() - 5);
    expect(appSettings(config).auth).toMatchObject({
      kind: 'hs256',
      secret: DEV_JWT_SECRET,
      maxTokenAgeSeconds: 3600,
    });
    await request(app).get('/orders').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('JWT_MAX_TOKEN_AGE_SECONDS: 3600 by default, between 60 s and a day', () => {
    expect(appSettings(loadApiConfig(LOCAL)).auth.maxTokenAgeSeconds).toBe(3600);
    expect(
      appSettings(loadApiConfig({ ...LOCAL, JWT_MAX_TOKEN_AGE_SECONDS: '900' })).auth
        .maxTokenAgeSeconds,
    ).toBe(900);
    for (const bad of ['59', '86401', '1.5', 'forever'])
      expect(apiConfigProblems({ ...LOCAL, JWT_MAX_TOKEN_AGE_SECONDS: bad })).toEqual([
        expect.stringMatching(/^JWT_MAX_TOKEN_AGE_SECONDS: /),
      ]);
  });
});
