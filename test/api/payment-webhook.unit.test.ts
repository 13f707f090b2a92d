import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { appSettings, loadApiConfig } from '../../api/config';
import { signStandardWebhook } from '../../api/webhook/standard-webhook';
import { signPayload } from '../../api/webhook/legacy-signature';
import { apiConfigProblems, harness, settings, WEBHOOK_SECRET } from './harness';
import { orderAwaitingConfirmation, postWebhook as post } from './requests';

const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;

async function awaitingConfirmation(secret = WEBHOOK_SECRET, acceptLegacySignature = false) {
  const h = harness({
    settings: settings({ paymentWebhook: { secret, acceptLegacySignature } }),
  });
  const orderId = await orderAwaitingConfirmation(h);
  const raw = JSON.stringify({ orderId, outcome: 'confirmed' });
  const deliveries = () => h.commands.calls.filter((c) => c.method === 'confirmPayment').length;
  return { h, orderId, raw, deliveries };
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

describe('payment webhook: Standard Webhooks', () => {
  it.each([
    ['a whsec_ secret', WHSEC],
    ['a plain secret', WEBHOOK_SECRET],
  ])('202 with a valid signature, %s', async (_, secret) => {
    const { h, raw, deliveries } = await awaitingConfirmation(secret);
    const res = await post(h.app, raw, { id: 'msg_1', at: new Date(), secret });
    expect(res.status).toBe(202);
    expect(deliveries()).toBe(1);
  });

  it('a repeated webhook-id is answered as already processed and not delivered again', async () => {
    const { h, raw, deliveries } = await awaitingConfirmation();
    expect((await post(h.app, raw, { id: 'msg_dup', at: new Date() })).status).toBe(202);
    // A replay, or the provider's retry with a fresh timestamp and signature: the same id.
    for (const at of [new Date(), minutes(1)]) {
      const again = await post(h.app, raw, { id: 'msg_dup', at });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ webhookId: 'msg_dup', alreadyProcessed: true });
    }
    expect(deliveries()).toBe(1);
  });

  it('a second confirmation under a new webhook-id is 409 payment-already-confirmed, reason and all', async () => {
    const { h, raw, deliveries } = await awaitingConfirmation();
    expect((await post(h.app, raw, { id: 'msg_a', at: new Date() })).status).toBe(202);
    const second = await post(h.app, raw, { id: 'msg_b', at: new Date() });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      type: 'https://order-saga.example/problems/payment-already-confirmed',
      reason: 'ALREADY_CONFIRMED',
      detail: 'The confirmation has already been received.',
    });
    expect(deliveries()).toBe(2);
    // Refused, so not processed: the provider's retry of that id is judged again.
    expect(h.webhooks.ids.has('msg_b')).toBe(false);
  });

  it('a delivery of an id another delivery is still processing is 409 with Retry-After, not 2xx', async () => {
    const { h, raw, deliveries } = await awaitingConfirmation();
    h.webhooks.ids.set('msg_busy', 'processing');
    const res = await post(h.app, raw, { id: 'msg_busy', at: new Date() });
    expect(res.status).toBe(409);
    expect(res.headers['retry-after']).toBe('5');
    expect((res.body as { type: string }).type).toMatch(/webhook-in-progress$/);
    expect(deliveries()).toBe(0);
  });

  it('a timestamp more than 5 minutes off is refused; within them it is accepted', async () => {
    const { h, raw, deliveries } = await awaitingConfirmation();
    for (const at of [minutes(-6), minutes(6)]) {
      const res = await post(h.app, raw, { id: `msg_${at.getTime()}`, at });
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toMatch(/more than 5 minutes/);
    }
    expect(deliveries()).toBe(0);
    expect((await post(h.app, raw, { id: 'msg_ok', at: minutes(-4) })).status).toBe(202);
  });

  it('401 for a signature of another id, timestamp or body, another secret, or missing headers', async () => {
    const { h, raw, deliveries } = await awaitingConfirmation();
    const now = new Date();
    const cases = [
      { id: 'msg_a', at: now, signature: signStandardWebhook(WEBHOOK_SECRET, 'msg_b', now, raw) },
      {
        id: 'msg_a',
        at: now,
        signature: signStandardWebhook(WEBHOOK_SECRET, 'msg_a', minutes(-1), raw),
      },
      {
        id: 'msg_a',
        at: now,
        signature: signStandardWebhook(WEBHOOK_SECRET, 'msg_a', now, `${raw} `),
      },
      { id: 'msg_a', at: now, secret: 'another-secret-0123456789' },
      { id: 'msg_a', at: now, signature: 'v2,abc' },
    ];
    for (const c of cases) {
      const res = await post(h.app, raw, c);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^StandardWebhooks/);
    }
    const bare = await request(h.app)
      .post('/payments/webhook')
      .set('Content-Type', 'application/json')
      .set('webhook-id', 'msg_a')
      .send(raw);
    expect(bare.status).toBe(401);
    expect(deliveries()).toBe(0);
  });

  it('a delivery that failed is not remembered: the retry is processed', async () => {
    const { h, orderId, raw, deliveries } = await awaitingConfirmation();
    h.commands.orders.get(orderId)!.status = 'PENDING';
    expect((await post(h.app, raw, { id: 'msg_retry', at: new Date() })).status).toBe(409);
    h.commands.orders.get(orderId)!.status = 'AWAITING_PAYMENT_CONFIRMATION';
    expect((await post(h.app, raw, { id: 'msg_retry', at: new Date() })).status).toBe(202);
    expect(deliveries()).toBe(2);
  });

  it('an unknown field in the body is refused, naming it', async () => {
    const { h, orderId } = await awaitingConfirmation();
    const raw = JSON.stringify({ orderId, outcome: 'confirmed', amount: 1 });
    const res = await post(h.app, raw, { id: 'msg_extra', at: new Date() });
    expect(res.status).toBe(400);
    expect((res.body as { errors: unknown[] }).errors).toEqual([
      { path: '/body/amount', message: 'unknown field' },
    ]);
  });
});

describe('payment webhook: legacy X-Signature', () => {
  it('accepted only when the setting allows it', async () => {
    for (const accept of [true, false]) {
      const { h, raw } = await awaitingConfirmation(WEBHOOK_SECRET, accept);
      const res = await request(h.app)
        .post('/payments/webhook')
        .set('Content-Type', 'application/json')
        .set('X-Signature', signPayload(WEBHOOK_SECRET, raw))
        .send(raw);
      expect(res.status).toBe(accept ? 202 : 401);
    }
  });

  it('PAYMENT_WEBHOOK_LEGACY_SIGNATURE: on by default locally, off and refused outside local mode', () => {
    const production = {
      NODE_ENV: 'production',
      ALLOW_PLAINTEXT: 'temporal,kafka,mongodb',
      JWT_SECRET: 'a-real-secret-of-at-least-32-characters!!',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'order-saga',
      PAYMENT_WEBHOOK_SECRET: WHSEC,
    };
    const legacy = (env: NodeJS.ProcessEnv) =>
      appSettings(loadApiConfig(env)).paymentWebhook.acceptLegacySignature;
    expect(legacy({ LOCAL_MODE: 'true' })).toBe(true);
    expect(legacy({ LOCAL_MODE: 'true', PAYMENT_WEBHOOK_LEGACY_SIGNATURE: 'false' })).toBe(false);
    expect(legacy(production)).toBe(false);
    expect(legacy({ ...production, NODE_ENV: 'staging' })).toBe(false);
    expect(() =>
      loadApiConfig({ ...production, PAYMENT_WEBHOOK_LEGACY_SIGNATURE: 'true' }),
    ).toThrow(/PAYMENT_WEBHOOK_LEGACY_SIGNATURE: the legacy X-Signature has no replay protection/);
  });

  it('PAYMENT_WEBHOOK_SECRET: whsec_ secrets must be base64 of 24 to 64 bytes', () => {
    const problems = (secret: string) =>
      apiConfigProblems({ LOCAL_MODE: 'true', PAYMENT_WEBHOOK_SECRET: secret });
    expect(problems(WHSEC)).toEqual([]);
    expect(problems('whsec_not base64!')).toEqual([
      'PAYMENT_WEBHOOK_SECRET: a whsec_ secret must be whsec_ followed by base64',
    ]);
    expect(problems(`whsec_${randomBytes(8).toString('base64')}`)).toEqual([
      expect.stringMatching(/24 to 64 bytes of key material \(this one has 8\)/),
    ]);
    expect(problems('short')).toEqual(['PAYMENT_WEBHOOK_SECRET: use at least 16 characters']);
  });
});
