import request from 'supertest';
import { signStandardWebhook } from '../../api/webhook/standard-webhook';
import { bearer, type harness, validOrder, WEBHOOK_SECRET } from './harness';

// The requests the API unit tests send again and again, written once.

export type App = Parameters<typeof request>[0];

/** GET `path` with a token for `sub` holding `scope`. */
export async function getAs(app: App, path: string, sub: string, scope: string) {
  return request(app)
    .get(path)
    .set('Authorization', await bearer(sub, scope));
}

/** POST `path` (no body) with a token for `sub` holding `scope`. */
export async function postAs(app: App, path: string, sub: string, scope: string) {
  return request(app)
    .post(path)
    .set('Authorization', await bearer(sub, scope));
}

/** POST /orders with `body`, by default alice placing her own valid order. */
export async function postOrderAs(
  app: App,
  body: object = validOrder(),
  sub = 'alice',
  scope = 'orders:write',
) {
  return request(app)
    .post('/orders')
    .set('Authorization', await bearer(sub, scope))
    .send(body);
}

/** An order of alice's the provider has yet to confirm (as after a tok_3ds authorization). */
export async function orderAwaitingConfirmation(h: ReturnType<typeof harness>) {
  const res = await postOrderAs(h.app);
  const orderId = (res.body as { orderId: string }).orderId;
  h.commands.orders.get(orderId)!.status = 'AWAITING_PAYMENT_CONFIRMATION';
  return orderId;
}

export interface WebhookSignature {
  id: string;
  at: Date;
  /** Signs with this secret instead of WEBHOOK_SECRET. */
  secret?: string;
  /** Sent as is instead of a signature of the delivery. */
  signature?: string;
}

/** A Standard Webhooks delivery of `raw` to the payment webhook. */
export function postWebhook(app: App, raw: string, signed: WebhookSignature) {
  const timestamp = String(Math.floor(signed.at.getTime() / 1000));
  return request(app)
    .post('/payments/webhook')
    .set('Content-Type', 'application/json')
    .set('webhook-id', signed.id)
    .set('webhook-timestamp', timestamp)
    .set(
      'webhook-signature',
      signed.signature ??
        signStandardWebhook(signed.secret ?? WEBHOOK_SECRET, signed.id, signed.at, raw),
    )
    .send(raw);
}

/** The provider's signed confirmation of `orderId`, delivered now as webhook `id`. */
export const postConfirmation = (app: App, orderId: string, id: string) =>
  postWebhook(app, JSON.stringify({ orderId, outcome: 'confirmed' }), { id, at: new Date() });
