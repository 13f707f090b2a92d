import request from 'supertest';
import { appSettings, loadApiConfig } from '../../api/config';
import { harness, LOCAL, settings, stillClock, validOrder, WEBHOOK_SECRET } from './harness';
import { type App, postConfirmation } from './requests';

// The webhook's limits count a delivery only once its signature has been checked: unsigned (or
// wrongly signed) requests from the provider's own address can no longer lock the provider out.

function webhookApp(limits: { verified: number; refused: number }) {
  const h = harness({
    clock: stillClock(),
    settings: settings({
      paymentWebhook: { secret: WEBHOOK_SECRET, acceptLegacySignature: false },
      webhookRateLimitPerMinute: limits.verified,
      webhookUnverifiedRateLimitPerMinute: limits.refused,
    }),
  });
  /** An order waiting for the provider's confirmation, as after a tok_3ds authorization. */
  const awaiting = (orderId: string) =>
    h.commands.orders.set(orderId, {
      command: validOrder(),
      status: 'AWAITING_PAYMENT_CONFIRMATION',
    });
  return { ...h, awaiting };
}

const junk = (app: App, i: number) => {
  const req = request(app).post('/payments/webhook').set('Content-Type', 'application/json');
  // Half without any signature, half with forged Standard Webhooks headers.
  if (i % 2 === 1)
    req
      .set('webhook-id', `msg_junk_${i}`)
      .set('webhook-timestamp', String(Math.floor(Date.now() / 1000)))
      .set('webhook-signature', 'v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiAzMiBieXRlcyEhISE=');
  return req.send({ orderId: 'ord_1', outcome: 'confirmed' });
};

async function statuses(count: number, send: (i: number) => request.Test): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await send(i)).status);
  return out;
}

describe('payment webhook rate limits', () => {
  it('junk beyond the provider limit does not use it up: a signed delivery still succeeds', async () => {
    const h = webhookApp({ verified: 3, refused: 1_000 });
    h.awaiting('ord_3ds');
    // Ten times the provider's limit of unsigned or wrongly signed requests, from its address.
    const refused = await statuses(30, (i) => junk(h.app, i));
    expect(new Set(refused)).toEqual(new Set([401]));
    const delivered = await postConfirmation(h.app, 'ord_3ds', 'msg_real');
    expect(delivered.status).toBe(202);
    expect(h.commands.calls).toContainEqual(
      expect.objectContaining({ method: 'confirmPayment', orderId: 'ord_3ds' }),
    );
  });

  it('junk past its own budget is answered 429, and still cannot starve the provider', async () => {
    const h = webhookApp({ verified: 3, refused: 5 });
    h.awaiting('ord_3ds');
    const refused = await statuses(8, (i) => junk(h.app, i));
    expect(refused).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await junk(h.app, 9);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((limited.body as { detail: string }).detail).toMatch(
      /5 requests per minute \(webhook-unverified\)/,
    );
    expect((await postConfirmation(h.app, 'ord_3ds', 'msg_real')).status).toBe(202);
  });

  it('verified deliveries have the provider limit of their own', async () => {
    const h = webhookApp({ verified: 3, refused: 1_000 });
    const delivered = await statuses(4, (i) => postConfirmation(h.app, 'ord_unknown', `msg_${i}`));
    expect(delivered).toEqual([404, 404, 404, 429]); // delivered (unknown order) until the limit
    const limited = await postConfirmation(h.app, 'ord_unknown', 'msg_x');
    expect((limited.body as { detail: string }).detail).toMatch(
      /3 requests per minute \(webhook\)/,
    );
  });

  it('WEBHOOK_UNVERIFIED_RATE_LIMIT_PER_MINUTE: 3000 by default, ten times the provider limit', () => {
    const defaults = appSettings(loadApiConfig(LOCAL));
    expect(defaults.webhookRateLimitPerMinute).toBe(300);
    expect(defaults.webhookUnverifiedRateLimitPerMinute).toBe(3000);
    expect(
      appSettings(loadApiConfig({ ...LOCAL, WEBHOOK_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '50' }))
        .webhookUnverifiedRateLimitPerMinute,
    ).toBe(50);
  });
});
