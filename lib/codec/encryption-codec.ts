import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeyRing } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export class PayloadDecryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadDecryptionError';
  }
}

/**
 * AES-256-GCM over the whole serialized payload (data and metadata, so even the original
 * encoding is hidden). Encodes with the active key; decodes with whichever key id the payload
 * names, so rotating means adding a key, making it active, and keeping the old one listed.
 * The key id is authenticated data: a payload relabelled with another key id fails to decode.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: CodecKeyRing,
    private readonly activeKeyId: string,
  ) {
    if (!keys.has(activeKeyId))
      throw new Error(
        `payload codec: active key id "${activeKeyId}" is not in CODEC_KEYS (known: ${[...keys.keys()].join(', ')})`,
      );
  }

  // async so a bad payload rejects the promise rather than throwing at the call.
  // eslint-disable-next-line @typescript-eslint/require-await
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  private encrypt(payload: Payload): Payload {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(utf8.encode(this.activeKeyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8.encode(this.activeKeyId),
      },
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    // Payloads written before the codec was turned on stay readable.
    if (!encoding || text.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const rawKeyId = payload.metadata?.[KEY_ID_METADATA];
    if (!rawKeyId) throw new PayloadDecryptionError(`encrypted payload without ${KEY_ID_METADATA}`);
    const keyId = text.decode(rawKeyId);
    const key = this.keys.get(keyId);
    if (!key)
      throw new PayloadDecryptionError(
        `payload was encrypted with key id "${keyId}", which is not in CODEC_KEYS ` +
          `(known: ${[...this.keys.keys()].join(', ')}); add the retired key back to decode it`,
      );
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload (key id "${keyId}") is truncated`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8.encode(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch (cause) {
      throw new PayloadDecryptionError(
        `encrypted payload (key id "${keyId}") failed authentication: tampered, or the key under that id changed`,
        { cause },
      );
    }
  }
}
