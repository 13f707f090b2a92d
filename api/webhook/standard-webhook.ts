import { Webhook, WebhookVerificationError } from 'standardwebhooks';

// The Standard Webhooks scheme (standardwebhooks.com): the provider signs `id.timestamp.body`
// with HMAC-SHA256 and sends `webhook-id`, `webhook-timestamp` (Unix seconds) and
// `webhook-signature` (`v1,<base64>`, several separated by spaces during a key rotation). The
// `standardwebhooks` library checks the signature in constant time and refuses a timestamp
// more than five minutes from now, so a captured request cannot be replayed later; a replay
// within those minutes is caught by its id (api/ports.ts ProcessedWebhooks).

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** The library's fixed tolerance, in seconds, on either side of this server's clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = 'whsec_';
const WEBHOOK_ID = /^[\x21-\x7e]{1,256}$/;

/**
 * The HMAC key of PAYMENT_WEBHOOK_SECRET: a `whsec_…` secret (as Standard Webhooks providers
 * issue them) is base64 key material; any other string is used as its UTF-8 bytes, which is
 * also the key the legacy X-Signature has always used.
 */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX)
    ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/** What is wrong with a PAYMENT_WEBHOOK_SECRET, if anything (never echoing it). */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX))
    return secret.length >= 16 ? undefined : 'use at least 16 characters';
  const material = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material) || material.length % 4 !== 0)
    return 'a whsec_ secret must be whsec_ followed by base64';
  const bytes = Buffer.from(material, 'base64').length;
  return bytes >= 24 && bytes <= 64
    ? undefined
    : `a whsec_ secret must hold 24 to 64 bytes of key material (this one has ${bytes})`;
}

export type WebhookHeaders = Partial<
  Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string>
>;

export type Verification = { ok: true; id: string } | { ok: false; reason: string };

export type StandardWebhookVerifier = (raw: Buffer, headers: WebhookHeaders) => Verification;

export function createStandardWebhookVerifier(secret: string): StandardWebhookVerifier {
  const webhook = new Webhook(webhookKey(secret), { format: 'raw' });
  return (raw, headers) => {
    const id = headers[WEBHOOK_HEADERS.id];
    const timestamp = headers[WEBHOOK_HEADERS.timestamp];
    const signature = headers[WEBHOOK_HEADERS.signature];
    if (id === undefined || timestamp === undefined || signature === undefined)
      return {
        ok: false,
        reason: 'webhook-id, webhook-timestamp and webhook-signature are all required',
      };
    if (!WEBHOOK_ID.test(id))
      return { ok: false, reason: 'webhook-id is not 1-256 visible ASCII characters' };
    if (!/^\d{1,12}$/.test(timestamp))
      return { ok: false, reason: 'webhook-timestamp must be Unix time in seconds' };
    try {
      webhook.verify(
        raw,
        { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
        { jsonParse: false },
      );
      return { ok: true, id };
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      return {
        ok: false,
        reason: /timestamp/i.test(err.message)
          ? `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes from this server's time`
          : 'no webhook-signature matches (v1, HMAC-SHA256 of id.timestamp.body, base64)',
      };
    }
  };
}

/** Signs like a provider does (tests, tools): the value of `webhook-signature`. */
export function signStandardWebhook(
  secret: string,
  id: string,
  at: Date,
  raw: Buffer | string,
): string {
  return new Webhook(webhookKey(secret), { format: 'raw' }).sign(id, at, raw);
}
