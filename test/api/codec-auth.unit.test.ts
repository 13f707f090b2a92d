import request from 'supertest';
import { appSettings, codecServerAuth, loadApiConfig } from '../../api/config';
import { SCOPES } from '../../api/auth/principal';
import { ConfigError } from '../../lib/config';
import {
  codec,
  codecKeys,
  jsonPayloadOf,
  preflightDecode,
  PRODUCTION_API_ENV,
  UI,
} from './codec-kit';
import { bearer, closedPort, harness, settings, unsignedRs256 } from './harness';

// Who may call the codec server: with CODEC_SERVER_AUTH=required (the default outside local
// mode) a bearer token with the scope orders:codec, as the Temporal UI sends it when it passes
// its users' access tokens; CORS keeps working for the UI either way.

const guarded = () =>
  harness({
    codec,
    settings: settings({ codecServer: { allowedOrigins: [UI], requiredScope: SCOPES.codec } }),
  }).app;

const body = { payloads: [jsonPayloadOf({ line1: '1 Main St' })] };

describe('codec server authentication', () => {
  it('answers 401 without a token, with a challenge the UI can read', async () => {
    const res = await request(guarded())
      .post('/codec/decode')
      .set('Origin', UI)
      .set('x-namespace', 'default')
      .send(body)
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="order-saga"/);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-expose-headers']).toMatch(/www-authenticate/);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('answers 401 for an invalid token', async () => {
    const res = await request(guarded())
      .post('/codec/encode')
      .set('Authorization', 'Bearer not.a.jwt')
      .send(body)
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it.each(['orders:read orders:write', 'orders:read orders:write orders:support'])(
    'answers 403 for a token without orders:codec (%s)',
    async (scope) => {
      const res = await request(guarded())
        .post('/codec/decode')
        .set('Authorization', await bearer('support-1', scope))
        .send(body)
        .expect(403);
      expect(res.headers['www-authenticate']).toMatch(
        /error="insufficient_scope", scope="orders:codec"/,
      );
      expect(res.body).toMatchObject({
        type: 'https://order-saga.example/problems/forbidden',
        status: 403,
        detail: 'This operation needs the scope "orders:codec".',
        requiredScope: SCOPES.codec,
      });
    },
  );

  it('answers 503 when the identity provider cannot be asked, as the other guarded routes', async () => {
    const closed = await closedPort();
    const app = harness({
      codec,
      settings: settings({
        auth: { kind: 'jwks', url: `http://127.0.0.1:${closed}/jwks` },
        codecServer: { allowedOrigins: [UI], requiredScope: SCOPES.codec },
      }),
    }).app;
    const res = await request(app)
      .post('/codec/decode')
      .set('Authorization', `Bearer ${unsignedRs256('support-1')}`)
      .send(body)
      .expect(503);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('does not let an orders:codec token do anything else', async () => {
    const auth = await bearer('support-1', SCOPES.codec);
    const app = guarded();
    for (const path of ['/inventory/SKU-1', '/orders']) {
      const res = await request(app).get(path).set('Authorization', auth);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
  });

  it('decodes for a token with orders:codec; encodes only for orders:codec-encode', async () => {
    const app = guarded();
    const auth = await bearer('support-1', `orders:read ${SCOPES.codec}`);
    await request(app).post('/codec/encode').set('Authorization', auth).send(body).expect(403);
    const encoded = await request(app)
      .post('/codec/encode')
      .set('Origin', UI)
      .set('x-namespace', 'default')
      .set('Authorization', await bearer('ops-1', SCOPES.codecEncode))
      .send(body)
      .expect(200);
    expect(encoded.headers['access-control-allow-origin']).toBe(UI);
    const decoded = await request(app)
      .post('/codec/decode')
      .set('Authorization', auth)
      .send(encoded.body)
      .expect(200);
    expect(decoded.body).toEqual(body);
  });

  it('answers the UI preflight without a token, allowing the Authorization header', async () => {
    const res = await preflightDecode(guarded(), 'authorization,content-type,x-namespace');
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-headers']).toMatch(/authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/x-namespace/);
  });
});

describe('CODEC_SERVER_AUTH', () => {
  const keys = codecKeys();
  const production = { ...PRODUCTION_API_ENV, CODEC_KEYS: keys, CODEC_SERVER_ENABLED: 'true' };
  const codecServer = (env: NodeJS.ProcessEnv) => appSettings(loadApiConfig(env)).codecServer;

  it('defaults to required in production', () => {
    expect(codecServerAuth(loadApiConfig(production))).toBe('required');
    expect(codecServer(production)).toEqual({ allowedOrigins: [UI], requiredScope: SCOPES.codec });
  });

  it('defaults to none in local mode, where the dev server’s UI cannot send a token', () => {
    const local = { LOCAL_MODE: 'true', CODEC_KEYS: keys, CODEC_SERVER_ENABLED: 'true' };
    expect(codecServer(local)).toEqual({ allowedOrigins: [UI] });
    // Local mode is only ever explicit: NODE_ENV=development alone gets the deployed rules.
    expect(() => codecServer({ ...production, NODE_ENV: 'development' })).not.toThrow();
    expect(codecServer({ ...production, NODE_ENV: 'development' })).toEqual({
      allowedOrigins: [UI],
      requiredScope: SCOPES.codec,
    });
  });

  it('can be required in local mode too', () => {
    expect(
      codecServer({
        LOCAL_MODE: 'true',
        CODEC_KEYS: keys,
        CODEC_SERVER_ENABLED: 'true',
        CODEC_SERVER_AUTH: 'required',
      }),
    ).toEqual({ allowedOrigins: [UI], requiredScope: SCOPES.codec });
  });

  it('refuses none outside local mode, and unknown values anywhere', () => {
    for (const NODE_ENV of ['production', 'staging'])
      expect(() => loadApiConfig({ ...production, NODE_ENV, CODEC_SERVER_AUTH: 'none' })).toThrow(
        /CODEC_SERVER_AUTH: an unauthenticated codec server is refused outside local mode/,
      );
    expect(
      codecServer({
        ...production,
        NODE_ENV: 'test',
        CODEC_SERVER_AUTH: 'none',
        LOCAL_MODE: 'true',
      }),
    ).toEqual({
      allowedOrigins: [UI],
    });
    expect(() => loadApiConfig({ LOCAL_MODE: 'true', CODEC_SERVER_AUTH: 'off' })).toThrow(
      ConfigError,
    );
  });
});
