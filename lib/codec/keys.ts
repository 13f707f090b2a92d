import { z } from 'zod';

/** AES-256 needs exactly 32 bytes of key material. */
export const KEY_BYTES = 32;

/** Key id → raw key. Ids travel in payload metadata (`encryption-key-id`), keys never do. */
export type CodecKeyRing = ReadonlyMap<string, Buffer>;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses `CODEC_KEYS` (`keyId:base64key,keyId:base64key`). Returns the problems instead of
 * throwing so the config schema can report them next to every other bad variable.
 */
export function parseCodecKeys(value: string): { keys: CodecKeyRing } | { problems: string[] } {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? entry : entry.slice(0, colon);
    if (colon === -1 || !KEY_ID.test(id)) {
      // By position only: an entry without its id is likely a bare key, so it is not echoed.
      problems.push(
        `entry ${index + 1}: expected keyId:base64key with a key id of [A-Za-z0-9._-]{1,64}`,
      );
      continue;
    }
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES) {
      // Never echo the key material itself, only its id and length.
      problems.push(`key "${id}" is ${key.length} bytes, AES-256 needs ${KEY_BYTES}`);
      continue;
    }
    if (keys.has(id)) problems.push(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  if (problems.length === 0 && keys.size === 0) problems.push('no keys given');
  return problems.length ? { problems } : { keys };
}

/**
 * Environment of the payload codec, shared by the API and the workers: both ends of every
 * Temporal payload must agree. Off when CODEC_KEYS is unset or empty.
 */
export const codecConfigShape = {
  /** `keyId:base64key,...` (32-byte keys). Keep retired keys listed so old histories decode. */
  CODEC_KEYS: z
    .string()
    .optional()
    .transform((value, ctx): CodecKeyRing | undefined => {
      if (value === undefined || value.trim() === '') return undefined;
      const parsed = parseCodecKeys(value);
      if ('keys' in parsed) return parsed.keys;
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    })
    // Outer optional: optional in the parsed type too, so literal configs need not mention it.
    .optional(),
  /** Key id new payloads are encrypted with; defaults to the first key in CODEC_KEYS. */
  CODEC_ACTIVE_KEY_ID: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
};

export interface CodecConfig {
  CODEC_KEYS?: CodecKeyRing;
  CODEC_ACTIVE_KEY_ID?: string;
}

/**
 * Refinement for every schema that spreads `codecConfigShape`: an active key id that is not in
 * the ring is reported at start with the other variables, not as a crash at the first payload.
 */
export function checkActiveCodecKey(c: CodecConfig, ctx: z.RefinementCtx): void {
  const id = c.CODEC_ACTIVE_KEY_ID;
  if (id === undefined || c.CODEC_KEYS?.has(id)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['CODEC_ACTIVE_KEY_ID'],
    message: c.CODEC_KEYS
      ? `names no key of CODEC_KEYS (its key ids: ${[...c.CODEC_KEYS.keys()].join(', ')})`
      : 'names a key but CODEC_KEYS is not set: set both, or neither to run without payload encryption',
  });
}
