import { Router, type Request } from 'express';
import {
  createStandardWebhookVerifier,
  WEBHOOK_HEADERS,
  webhookKey,
  type WebhookHeaders,
} from '../webhook/standard-webhook';
import { verifySignature } from '../webhook/legacy-signature';
import { rawBody } from '../http/body';
import { problem } from '../http/problem';
import { addressOf, spend, type Budget } from '../http/rate-limit';
import { parseRequestPart } from '../http/validate';
import { PaymentWebhookBody } from '../schemas';
import type { RouteContext } from './context';
import { answered } from './order-problems';

export const LEGACY_SIGNATURE_HEADER = 'x-signature';

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

const badSignature = (detail: string) =>
  problem('bad-signature', detail, {
    headers: {
      'WWW-Authenticate': `StandardWebhooks headers="${Object.values(WEBHOOK_HEADERS).join(' ')}"`,
    },
  });

/**
 * The payment provider's confirmation. No bearer token: the provider signs the exact bytes it
 * sent (Standard Webhooks), so the body is read raw and checked before it is parsed. A
 * webhook-id seen before is answered as already processed and not delivered again.
 *
 * Rate limits are counted after the signature check, per address, in two budgets: deliveries
 * that verified (the provider's limit), and refused ones (far larger). Nothing is refused before
 * the check, which needs no I/O: a bucket that did would be shared by the provider with any junk
 * from its address (one ingress, one NAT), and junk could use it up; a key taken from the
 * request's headers would let junk pick a fresh bucket each time.
 */
export function paymentsWebhookRouter(ctx: RouteContext): Router {
  const router = Router();
  const settings = ctx.settings.paymentWebhook;
  const now = () => ctx.clock.now();
  const verifiedBudget: Budget = {
    name: 'webhook',
    perMinute: ctx.settings.webhookRateLimitPerMinute,
    counters: ctx.rateLimits,
    now,
  };
  const refusedBudget: Budget = {
    name: 'webhook-unverified',
    perMinute: ctx.settings.webhookUnverifiedRateLimitPerMinute,
    counters: ctx.rateLimits,
    now,
  };
  const authenticate = deliveryAuthenticator(settings);

  router.post('/payments/webhook', rawBody, async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let webhookId: string | undefined;
    try {
      webhookId = authenticate(req, raw);
    } catch (err) {
      // Past its own budget a refused delivery is told to back off (429) instead of 401.
      await spend(refusedBudget, addressOf(req));
      throw err;
    }
    await spend(verifiedBudget, addressOf(req));
    const { orderId, outcome } = parseDelivery(req, raw);
    const claim = webhookId === undefined ? 'claimed' : await ctx.webhooks.claim(webhookId);
    if (claim === 'processed') {
      res.status(200).json({ webhookId, alreadyProcessed: true });
      return;
    }
    if (claim === 'processing') {
      // Its outcome is not known yet: a 2xx now would end the provider's retries even if that
      // delivery fails. The retry finds it processed, or free again.
      throw problem(
        'webhook-in-progress',
        `Webhook ${webhookId} is being processed by another delivery; retry later.`,
        { headers: { 'Retry-After': '5' } },
      );
    }
    try {
      answered(await ctx.orders.confirmPayment(orderId, outcome));
      if (webhookId !== undefined) await ctx.webhooks.complete(webhookId);
      res.status(202).json({ orderId, accepted: true });
    } catch (err) {
      // Only a delivered confirmation counts as processed: a retry of a failed one runs again.
      if (webhookId !== undefined)
        await ctx.webhooks
          .release(webhookId)
          .catch((releaseError: unknown) =>
            req.log.error({ err: releaseError, webhookId }, 'webhook id not released'),
          );
      throw err;
    }
  });
  return router;
}

/**
 * Checks a delivery's signature: the verified webhook-id, or undefined for a legacy delivery
 * (which has none). A refused one is thrown as a 401 problem.
 */
function deliveryAuthenticator(
  settings: RouteContext['settings']['paymentWebhook'],
): (req: Request, raw: Buffer) => string | undefined {
  const verifyStandard = createStandardWebhookVerifier(settings.secret);
  const legacyKey = webhookKey(settings.secret);
  return (req, raw) => {
    const headers: WebhookHeaders = {
      'webhook-id': header(req, WEBHOOK_HEADERS.id),
      'webhook-timestamp': header(req, WEBHOOK_HEADERS.timestamp),
      'webhook-signature': header(req, WEBHOOK_HEADERS.signature),
    };
    const legacy = header(req, LEGACY_SIGNATURE_HEADER);
    const standard = Object.values(headers).some((v) => v !== undefined);
    if (!standard && legacy !== undefined) {
      if (!settings.acceptLegacySignature)
        throw badSignature(
          'X-Signature is not accepted here; sign with the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature).',
        );
      if (verifySignature(legacyKey, raw, legacy)) return undefined;
      throw badSignature('X-Signature must be the hex HMAC-SHA256 of the raw body.');
    }
    const verified = verifyStandard(raw, headers);
    if (!verified.ok)
      throw badSignature(`Standard Webhooks signature refused: ${verified.reason}.`);
    return verified.id;
  };
}

/** The verified delivery's body: JSON of the documented shape, or a 4xx problem. */
function parseDelivery(req: Request, raw: Buffer) {
  if (!req.is(['application/json', '+json'])) {
    throw problem('unsupported-media-type', 'Send the body as application/json.');
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw problem('malformed-json', 'The request body is not valid JSON.');
  }
  return parseRequestPart(PaymentWebhookBody, json, 'body');
}
