import { createHmac, timingSafeEqual } from 'node:crypto';

export const signPayload = (key: Buffer | string, raw: Buffer | string): string =>
  createHmac('sha256', key).update(raw).digest('hex');

/**
 * The legacy scheme, accepted only outside production (PAYMENT_WEBHOOK_LEGACY_SIGNATURE): it
 * signs the body alone, so a captured request can be replayed at any time.
 * Whether `header` is the hex HMAC-SHA256 of the raw body. An optional `sha256=` prefix is
 * accepted (GitHub-style providers send one). The compare is constant-time; lengths are
 * checked first because timingSafeEqual requires equal lengths (the length is not secret).
 */
export function verifySignature(
  key: Buffer | string,
  raw: Buffer,
  header: string | undefined,
): boolean {
  if (header === undefined) return false;
  const hex = header.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  const expected = createHmac('sha256', key).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
