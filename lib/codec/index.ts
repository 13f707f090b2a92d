import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { CodecConfig } from './keys';

export { EncryptionCodec, PayloadDecryptionError } from './encryption-codec';
export { ENCRYPTED_ENCODING, KEY_ID_METADATA } from './encryption-codec';
export {
  checkActiveCodecKey,
  codecConfigShape,
  parseCodecKeys,
  type CodecConfig,
  type CodecKeyRing,
} from './keys';

/**
 * The development key `npm start` uses (documented in the README). It is public: never use it
 * for real data. Generate one with `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`.
 */
export const DEV_CODEC_KEYS = 'dev-1:b3JkZXItc2FnYS1sb2NhbC1kZXYtY29kZWMta2V5ISE=';

/** The codec the config asks for, or undefined when CODEC_KEYS is not set (codec off). */
export function payloadCodecFromConfig(config: CodecConfig): PayloadCodec | undefined {
  const keys = config.CODEC_KEYS;
  if (!keys) return undefined;
  const active = config.CODEC_ACTIVE_KEY_ID ?? [...keys.keys()][0];
  return new EncryptionCodec(keys, active);
}

/** `dataConverter` for a Temporal client or worker: the codec when configured, else nothing. */
export function dataConverterFor(
  config: CodecConfig,
): { payloadCodecs: PayloadCodec[] } | undefined {
  const codec = payloadCodecFromConfig(config);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
