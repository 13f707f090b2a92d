import type { PlaceOrder } from '../../contracts/order';
import { devToken } from '../../scripts/token';

// The API as a client sees it, bounded: every request has a timeout, so a fault never hangs a
// test, and a failed connection is a status 0 rather than an exception.

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (malformed bodies); wins over `body`. */
  rawBody?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class ApiClient {
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly baseUrl: string,
    private readonly jwtSecret: string,
  ) {}

  token(sub: string, scope = 'orders:write orders:read'): Promise<string> {
    const key = `${sub} ${scope}`;
    let t = this.tokens.get(key);
    if (!t) {
      t = devToken({ sub, scope, ttlSeconds: 3600, secret: this.jwtSecret });
      this.tokens.set(key, t);
    }
    return t;
  }

  support(): Promise<string> {
    return this.token('chaos-support', 'orders:read orders:write orders:support');
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

  async putSku(sku: string, available: number, unitPrice = 1_000): Promise<void> {
    const res = await this.request('PUT', `/inventory/${sku}`, {
      body: { name: sku.toLowerCase(), unitPrice, available },
      token: await this.support(),
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`PUT /inventory/${sku}: ${res.status} ${res.text}`);
  }

  /** POST /orders; `orderId` only when accepted (202). */
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
}

export function orderFor(customerId: string, sku: string, quantity = 1): PlaceOrder {
  return {
    customerId,
    items: [{ sku, quantity }],
    currency: 'EUR',
    paymentToken: 'tok_ok',
    shippingAddress: {
      name: 'Chaos Tester',
      line1: '1 Main St',
      city: 'Amsterdam',
      postalCode: '1011AA',
      country: 'NL',
    },
  };
}
