import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '../../api/webhook/standard-webhook';
import type { OrderStatus, PlaceOrder } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { devToken } from '../../scripts/token';

// The API as a client sees it, for every test that calls a running API from outside (end to
// end, chaos, secure, observability): tokens, bounded requests, the payment provider's signed
// webhook, and reading an order until the saga got somewhere. Every request has a timeout, so a
// fault never hangs a test, and a failed connection is a status 0 rather than an exception.

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

/** A reply whose body is parsed as JSON (undefined when empty). */
export interface JsonReply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (malformed bodies); wins over `body`. */
  rawBody?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export const SUPPORT_SCOPES = 'orders:read orders:write orders:support';
export const CUSTOMER_SCOPES = 'orders:write orders:read';
export const FINAL_STATUSES: readonly OrderStatus[] = [
  'COMPLETED',
  'CANCELLED',
  'COMPENSATION_FAILED',
];

export class ApiClient {
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly baseUrl: string,
    private readonly jwtSecret: string,
    /** PAYMENT_WEBHOOK_SECRET, for `deliverWebhook`. */
    private readonly webhookSecret?: string,
  ) {}

  /** A token for `sub` with `scope`, signed once per pair and reused. */
  token(sub: string, scope = CUSTOMER_SCOPES): Promise<string> {
    const key = `${sub} ${scope}`;
    let t = this.tokens.get(key);
    if (!t) {
      t = devToken({ sub, scope, ttlSeconds: 3600, secret: this.jwtSecret });
      this.tokens.set(key, t);
    }
    return t;
  }

  support(sub = 'support-1'): Promise<string> {
    return this.token(sub, SUPPORT_SCOPES);
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(opts.token && { authorization: `Bearer ${opts.token}` }),
          ...opts.headers,
        },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch {
      return { status: 0, headers: new Headers(), text: '' };
    }
  }

  /** `request`, with the body parsed as JSON. */
  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<JsonReply<T>> {
    const { status, headers, text } = await this.request(method, path, opts);
    return { status, headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** `json`, failing unless the API answered 2xx. */
  async ok<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const reply = await this.request(method, path, opts);
    if (reply.status < 200 || reply.status >= 300)
      throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return (reply.text ? JSON.parse(reply.text) : undefined) as T;
  }

  async putSku(sku: string, available: number, unitPrice = 1_000): Promise<void> {
    await this.ok('PUT', `/inventory/${sku}`, {
      body: { name: sku.toLowerCase(), unitPrice, available },
      token: await this.support(),
    });
  }

  /** POST /orders by the order's customer; `orderId` only when accepted (202). */
  async placeOrder(
    order: PlaceOrder,
    idempotencyKey?: string,
  ): Promise<{ status: number; orderId?: string; reply: Reply }> {
    const reply = await this.request('POST', '/orders', {
      body: order,
      token: await this.token(order.customerId),
      ...(idempotencyKey && { headers: { 'idempotency-key': idempotencyKey } }),
    });
    const orderId =
      reply.status === 202 ? (JSON.parse(reply.text) as { orderId: string }).orderId : undefined;
    return { status: reply.status, ...(orderId && { orderId }), reply };
  }

  /**
   * Reads the order (as support) with minVersion, one version after the other, until `until`
   * holds. Fails on anything but 200: an accepted order is never 404 when read with the version
   * POST returned.
   */
  async readUntil(
    orderId: string,
    until: (order: OrderView) => boolean,
    timeoutMs = 60_000,
  ): Promise<OrderView> {
    const deadline = Date.now() + timeoutMs;
    let version = 1;
    for (;;) {
      const view = await this.ok<OrderView>(
        'GET',
        `/orders/${orderId}?minVersion=${version}&timeoutMs=5000`,
        { token: await this.support() },
      );
      if (until(view)) return view;
      if (Date.now() > deadline)
        throw new Error(`order ${orderId} stuck at ${view.status} v${view.version}`);
      version = view.version + 1;
    }
  }

  /** Reads the order until the saga has finished (or waits for support). */
  finalOrder(orderId: string, timeoutMs = 90_000): Promise<OrderView> {
    return this.readUntil(orderId, (o) => FINAL_STATUSES.includes(o.status), timeoutMs);
  }

  /** The payment provider's signed confirmation (Standard Webhooks); answers the status. */
  async deliverWebhook(
    orderId: string,
    outcome: 'confirmed' | 'failed',
    id = `msg_${randomUUID()}`,
  ): Promise<number> {
    if (this.webhookSecret === undefined) throw new Error('ApiClient: no webhook secret given');
    const raw = JSON.stringify({ orderId, outcome });
    const at = new Date();
    const reply = await this.request('POST', '/payments/webhook', {
      rawBody: raw,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signStandardWebhook(this.webhookSecret, id, at, raw),
      },
    });
    return reply.status;
  }
}

/** A valid `POST /orders` body: one KETTLE, paid with `tok_ok`, shipped to the Netherlands. */
export const sampleOrder = (
  customerId: string,
  overrides: Partial<PlaceOrder> = {},
): PlaceOrder => ({
  customerId,
  items: [{ sku: 'KETTLE', quantity: 1 }],
  currency: 'EUR',
  paymentToken: 'tok_ok',
  shippingAddress: {
    name: 'Ada Tracewell',
    line1: '42 Observability Lane',
    city: 'Amsterdam',
    postalCode: '1011AA',
    country: 'NL',
  },
  ...overrides,
});

/** `sampleOrder` with `quantity` of one `sku`. */
export const orderFor = (customerId: string, sku: string, quantity = 1): PlaceOrder =>
  sampleOrder(customerId, { items: [{ sku, quantity }] });
