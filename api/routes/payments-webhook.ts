import { Router } from 'express';
import { verifySignature } from '../domain/webhook-signature';
import { rawBody } from '../http/body';
import { notFoundProblem, ProblemError } from '../http/problem';
import { parseRequestPart } from '../http/validate';
import { PaymentWebhookBody } from '../schemas';
import type { RouteContext } from './context';

export const SIGNATURE_HEADER = 'x-signature';

/**
 * The payment provider's confirmation. No bearer token: the provider proves itself with an
 * HMAC of the exact bytes it sent, so the body is read raw and checked before it is parsed.
 */
export function paymentsWebhookRouter(ctx: RouteContext): Router {
  const router = Router();
  router.post('/payments/webhook', rawBody, async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.headers[SIGNATURE_HEADER];
    if (
      !verifySignature(
        ctx.settings.paymentWebhookSecret,
        raw,
        typeof signature === 'string' ? signature : undefined,
      )
    ) {
      throw new ProblemError(
        'badSignature',
        401,
        'Unauthorized',
        'X-Signature must be the hex HMAC-SHA256 of the raw body with the shared webhook secret.',
        { headers: { 'WWW-Authenticate': 'HMAC-SHA256 header="X-Signature"' } },
      );
    }
    if (!req.is(['application/json', '+json'])) {
      throw new ProblemError(
        'unsupportedMediaType',
        415,
        'Unsupported Media Type',
        'Send the body as application/json.',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ProblemError(
        'malformedJson',
        400,
        'Malformed JSON',
        'The request body is not valid JSON.',
      );
    }
    const { orderId, outcome } = parseRequestPart(PaymentWebhookBody, json, 'body');
    const result = await ctx.commands.confirmPayment(orderId, outcome);
    if (result.ok) {
      res.status(202).json({ orderId, accepted: true });
      return;
    }
    switch (result.reason) {
      case 'NOT_FOUND':
        throw notFoundProblem(`No order ${orderId}.`);
      case 'NOT_AWAITING_CONFIRMATION':
        throw new ProblemError('notAwaitingConfirmation', 409, 'Conflict', result.detail, {
          reason: result.reason,
        });
      default: {
        const unexpected: never = result;
        throw new Error(`unhandled confirmation result ${JSON.stringify(unexpected)}`);
      }
    }
  });
  return router;
}
