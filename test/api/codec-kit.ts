import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import request from 'supertest';
import { EncryptionCodec } from '../../lib/codec';

// What the codec server's tests share: the Temporal UI's origin, a codec with a fresh key, the
// remote codec protocol's JSON form of a payload, and an API environment as deployed.

export const UI = 'http://127.0.0.1:8233';

export const codec = new EncryptionCodec(new Map([['k1', randomBytes(32)]]), 'k1');

/** CODEC_KEYS with one fresh key. */
export const codecKeys = () => `k1:${randomBytes(32).toString('base64')}`;

/** The API's environment in production on a private network (no certificates needed). */
export const PRODUCTION_API_ENV = {
  NODE_ENV: 'production',
  ALLOW_PLAINTEXT: 'temporal,kafka,mongodb',
  JWT_SECRET: 'a-real-secret-of-at-least-32-characters!!',
  PAYMENT_WEBHOOK_SECRET: 'a-real-webhook-secret',
  JWT_ISSUER: 'https://idp.example/',
  JWT_AUDIENCE: 'order-saga',
};

/** A payload as the remote codec protocol carries it: metadata and data in base64. */
export interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

export const toJsonPayload = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** `value` converted to a payload, in its JSON form. */
export const jsonPayloadOf = (value: unknown) =>
  toJsonPayload(defaultPayloadConverter.toPayload(value));

/** The value a payload in JSON form carries. */
export const valueOfJsonPayload = (p: JsonPayload) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(
      Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data, 'base64'),
  });

/** The Temporal UI's CORS preflight for a decode that will send `headers`. */
export const preflightDecode = (app: Parameters<typeof request>[0], headers: string) =>
  request(app)
    .options('/codec/decode')
    .set('Origin', UI)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', headers)
    .expect(204);
