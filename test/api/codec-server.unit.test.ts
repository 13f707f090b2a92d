import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import request from 'supertest';
import { appSettings, loadApiConfig } from '../../api/config';
import { EncryptionCodec } from '../../lib/codec';
import { ConfigError } from '../../lib/config';
import { SCOPES } from '../../api/auth/principal';
import {
  codec,
  codecKeys,
  jsonPayloadOf,
  type JsonPayload,
  preflightDecode,
  PRODUCTION_API_ENV as production,
  toJsonPayload,
  UI,
  valueOfJsonPayload,
} from './codec-kit';
import { bearer, harness, settings } from './harness';

// The codec server the Temporal Web UI calls (Temporal's remote codec protocol), with CORS for
// the UI's origin including the x-namespace header it sends.

const enabled = () =>
  harness({ codec, settings: settings({ codecServer: { allowedOrigins: [UI] } }) }).app;

type CodecReply = { payloads: JsonPayload[] };

describe('codec server (/codec)', () => {
  const address = { name: 'Alice', line1: '1 Main St' };

  it('encodes and decodes per the remote codec protocol', async () => {
    const app = enabled();
    const encoded = await request(app)
      .post('/codec/encode')
      .set('x-namespace', 'default')
      .set('Authorization', await bearer('ops-1', SCOPES.codecEncode))
      .send({ payloads: [jsonPayloadOf(address)] })
      .expect(200);
    const [payload] = (encoded.body as CodecReply).payloads;
    expect(Buffer.from(payload.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const decoded = await request(app).post('/codec/decode').send(encoded.body).expect(200);
    expect(valueOfJsonPayload((decoded.body as CodecReply).payloads[0])).toEqual(address);
  });

  it('answers the UI preflight, allowing x-namespace and content-type', async () => {
    const res = await preflightDecode(enabled(), 'content-type,x-namespace');
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-headers']).toMatch(/x-namespace/);
    expect(res.headers['access-control-allow-headers']).toMatch(/content-type/);
  });

  it('does not grant CORS to other origins', async () => {
    const res = await request(enabled())
      .post('/codec/decode')
      .set('Origin', 'https://evil.example')
      .send({ payloads: [] })
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 422 for a payload it cannot decrypt, 400 for a malformed body', async () => {
    const app = enabled();
    const other = new EncryptionCodec(new Map([['k9', randomBytes(32)]]), 'k9');
    const [foreign] = await other.encode([defaultPayloadConverter.toPayload(address)]);
    const body = { payloads: [toJsonPayload(foreign)] };
    const res = await request(app).post('/codec/decode').send(body).expect(422);
    const { detail } = res.body as { detail: string };
    expect(detail).toMatch(/could not be decrypted/);
    // Neither the key ids this server holds nor the payload's own: they help only an attacker.
    expect(detail).not.toMatch(/k1|k9|key id/);
    await request(app).post('/codec/decode').send({ nope: 1 }).expect(400);
  });

  it('/encode is an encryption oracle: it needs orders:codec-encode even where /decode is open', async () => {
    const app = enabled();
    const payloads = { payloads: [jsonPayloadOf(address)] };
    await request(app).post('/codec/encode').send(payloads).expect(401);
    for (const scope of [SCOPES.codec, 'orders:read orders:write orders:support']) {
      const res = await request(app)
        .post('/codec/encode')
        .set('Authorization', await bearer('support-1', scope))
        .send(payloads)
        .expect(403);
      expect((res.body as { requiredScope: string }).requiredScope).toBe('orders:codec-encode');
    }
    await request(app).post('/codec/decode').send({ payloads: [] }).expect(200);
  });

  it('is not served unless enabled', async () => {
    const res = await request(harness({ codec }).app).post('/codec/decode').send({ payloads: [] });
    expect(res.status).toBe(404);
  });

  it('config: served only with CODEC_KEYS and CODEC_SERVER_ENABLED=true, CORS for the UI', () => {
    const keys = codecKeys();
    const on = loadApiConfig({
      LOCAL_MODE: 'true',
      CODEC_KEYS: keys,
      CODEC_SERVER_ENABLED: 'true',
    });
    expect(appSettings(on).codecServer).toEqual({ allowedOrigins: [UI] });
    expect(
      appSettings(loadApiConfig({ LOCAL_MODE: 'true', CODEC_KEYS: keys })).codecServer,
    ).toBeUndefined();
    expect(appSettings(loadApiConfig({ LOCAL_MODE: 'true' })).codecServer).toBeUndefined();
    expect(
      appSettings(loadApiConfig({ LOCAL_MODE: 'true', CODEC_SERVER_ENABLED: 'false' })).codecServer,
    ).toBeUndefined();
  });

  it.each([
    ['unset', { LOCAL_MODE: 'true' }],
    ['empty', { LOCAL_MODE: 'true', CODEC_KEYS: '' }],
    ['empty in production', { CODEC_KEYS: ' ', ...production }],
  ])(
    'config: CODEC_SERVER_ENABLED=true with CODEC_KEYS %s is refused, saying what to set',
    (_, env: NodeJS.ProcessEnv) => {
      for (const flag of ['true', '1']) {
        let error: unknown;
        try {
          loadApiConfig({ ...env, CODEC_SERVER_ENABLED: flag });
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([
          expect.stringMatching(
            /^CODEC_SERVER_ENABLED: the codec server needs payload keys: set CODEC_KEYS \(keyId:base64key.*\) or CODEC_SERVER_ENABLED=false/,
          ),
        ]);
      }
    },
  );
});
