import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  codecConfigShape,
  EncryptionCodec,
  KEY_ID_METADATA,
  parseCodecKeys,
  payloadCodecFromConfig,
  PayloadDecryptionError,
} from '../../lib/codec';
import { z } from 'zod';
import { loadApiConfig } from '../../api/config';
import { ConfigError, loadConfig } from '../../lib/config';
import { paymentsWorkerConfigSchema } from '../../workers/config';

const key = () => randomBytes(32);
const text = new TextDecoder();
const address = { name: 'Alice Example', line1: '1 Main St', paymentToken: 'tok_secret' };
const payload = (): Payload => defaultPayloadConverter.toPayload(address);

describe('EncryptionCodec', () => {
  const k1 = key();
  const k2 = key();

  it('round-trips, and the encoded payload hides the data and its original encoding', async () => {
    const codec = new EncryptionCodec(new Map([['k1', k1]]), 'k1');
    const [encoded] = await codec.encode([payload()]);
    expect(text.decode(encoded.metadata?.[METADATA_ENCODING_KEY])).toBe('binary/encrypted');
    expect(text.decode(encoded.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(encoded.data ?? []).toString('latin1')).not.toContain('Main St');
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(address);
  });

  it('uses a fresh nonce per payload', async () => {
    const codec = new EncryptionCodec(new Map([['k1', k1]]), 'k1');
    const [a, b] = await codec.encode([payload(), payload()]);
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
  });

  it('rotation: the new key encodes, the retired key still decodes old payloads', async () => {
    const before = new EncryptionCodec(new Map([['k1', k1]]), 'k1');
    const after = new EncryptionCodec(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k2',
    );
    const [old] = await before.encode([payload()]);
    const [fresh] = await after.encode([payload()]);
    expect(text.decode(fresh.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const [oldDecoded, freshDecoded] = await after.decode([old, fresh]);
    expect(defaultPayloadConverter.fromPayload(oldDecoded)).toEqual(address);
    expect(defaultPayloadConverter.fromPayload(freshDecoded)).toEqual(address);
  });

  it('rejects tampered ciphertext', async () => {
    const codec = new EncryptionCodec(new Map([['k1', k1]]), 'k1');
    const [encoded] = await codec.encode([payload()]);
    const data = Buffer.from(encoded.data ?? []);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(/failed authentication/);
  });

  it('rejects a payload relabelled with another known key id', async () => {
    const keys = new Map([
      ['k1', k1],
      ['k2', k1], // same key material: only the authenticated key id differs
    ]);
    const codec = new EncryptionCodec(keys, 'k1');
    const [encoded] = await codec.encode([payload()]);
    const relabelled = {
      ...encoded,
      metadata: { ...encoded.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') },
    };
    await expect(codec.decode([relabelled])).rejects.toBeInstanceOf(PayloadDecryptionError);
  });

  it('names an unknown key id and the known ones', async () => {
    const writer = new EncryptionCodec(new Map([['gone', k1]]), 'gone');
    const reader = new EncryptionCodec(new Map([['k2', k2]]), 'k2');
    const [encoded] = await writer.encode([payload()]);
    await expect(reader.decode([encoded])).rejects.toThrow(
      /key id "gone", which is not in CODEC_KEYS \(known: k2\)/,
    );
  });

  it('passes payloads written before the codec was on through unchanged', async () => {
    const codec = new EncryptionCodec(new Map([['k1', k1]]), 'k1');
    const plain = payload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses an active key id it does not hold', () => {
    expect(() => new EncryptionCodec(new Map([['k1', k1]]), 'k9')).toThrow(/active key id "k9"/);
  });
});

describe('codec configuration', () => {
  const schema = z.object(codecConfigShape);
  const b64 = (b: Buffer) => b.toString('base64');

  it('is off without CODEC_KEYS, or with an empty one', () => {
    expect(payloadCodecFromConfig(schema.parse({}))).toBeUndefined();
    expect(payloadCodecFromConfig(schema.parse({ CODEC_KEYS: '' }))).toBeUndefined();
  });

  it('parses several keys; the first is active unless CODEC_ACTIVE_KEY_ID says otherwise', async () => {
    const k1 = key();
    const k2 = key();
    const config = schema.parse({ CODEC_KEYS: `new:${b64(k2)}, old:${b64(k1)}` });
    const codec = payloadCodecFromConfig(config);
    const [encoded] = (await codec?.encode([payload()])) ?? [];
    expect(text.decode(encoded.metadata?.[KEY_ID_METADATA])).toBe('new');
    const pinned = schema.parse({
      CODEC_KEYS: `new:${b64(k2)},old:${b64(k1)}`,
      CODEC_ACTIVE_KEY_ID: 'old',
    });
    const [again] = (await payloadCodecFromConfig(pinned)?.encode([payload()])) ?? [];
    expect(text.decode(again.metadata?.[KEY_ID_METADATA])).toBe('old');
  });

  it.each([
    ['the API', (env: NodeJS.ProcessEnv) => loadApiConfig(env)],
    ['a worker', (env: NodeJS.ProcessEnv) => loadConfig(paymentsWorkerConfigSchema, env)],
  ])('%s refuses at start a CODEC_ACTIVE_KEY_ID that names no key', (_, load) => {
    const problems = (env: NodeJS.ProcessEnv): string[] => {
      try {
        // Local mode: the API's other secrets may stay unset; the rule checked here is the same.
        load({ LOCAL_MODE: 'true', PAYMENT_PROVIDER: 'simulated', ...env });
        return [];
      } catch (error) {
        return error instanceof ConfigError ? error.problems : [String(error)];
      }
    };
    const keys = `new:${b64(key())},old:${b64(key())}`;
    expect(problems({ CODEC_KEYS: keys, CODEC_ACTIVE_KEY_ID: 'newer' })).toEqual([
      'CODEC_ACTIVE_KEY_ID: names no key of CODEC_KEYS (its key ids: new, old)',
    ]);
    expect(problems({ CODEC_ACTIVE_KEY_ID: 'new' })).toEqual([
      expect.stringMatching(/^CODEC_ACTIVE_KEY_ID: names a key but CODEC_KEYS is not set/),
    ]);
    expect(problems({ CODEC_KEYS: keys, CODEC_ACTIVE_KEY_ID: 'old' })).toEqual([]);
  });

  it('reports bad keys without echoing key material', () => {
    const result = parseCodecKeys('short:AAAA,nocolon,dup:' + b64(key()) + ',dup:' + b64(key()));
    expect('problems' in result && result.problems).toEqual([
      'key "short" is 3 bytes, AES-256 needs 32',
      'entry 2: expected keyId:base64key with a key id of [A-Za-z0-9._-]{1,64}',
      'key id "dup" appears twice',
    ]);
    expect(schema.safeParse({ CODEC_KEYS: 'x:AAAA' }).success).toBe(false);
  });
});
