import type { Tracer } from '@opentelemetry/api';
import type { PayloadCodec } from '@temporalio/common';
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/logger';
import type { OrderCommandService } from '../application/order-commands';
import type { OrderQueryService } from '../application/order-queries';
import type { AuthSettings } from '../auth/verifier';
import type { Clock } from '../reads/read-your-writes';
import type { WaitSlotLimits } from '../reads/wait-slots';
import type { ApiPorts, RateLimitCounters } from '../ports';
import type { CodecServerSettings } from './codec';

export interface PaymentWebhookSettings {
  /** PAYMENT_WEBHOOK_SECRET: `whsec_` + base64 key, or a plain string used as key bytes. */
  secret: string;
  /** Also accept the legacy `X-Signature` (body-only HMAC, no replay protection): never in production. */
  acceptLegacySignature: boolean;
}

/** Settings createApp needs, already validated (see api/config.ts for their env variables). */
export interface AppSettings {
  auth: AuthSettings;
  paymentWebhook: PaymentWebhookSettings;
  /** Base URL of the Temporal Web UI, for links in the history view. */
  temporalUiUrl: string;
  temporalNamespace: string;
  rateLimitPerMinute: number;
  /**
   * The payment webhook's own limit, per address, counting only deliveries whose signature
   * verified: unsigned traffic cannot exhaust it.
   */
  webhookRateLimitPerMinute: number;
  /** Webhook deliveries per address whose signature was refused; beyond it 429 instead of 401. */
  webhookUnverifiedRateLimitPerMinute: number;
  /** Orders of one customer whose saga may run at once (MAX_OPEN_ORDERS_PER_CUSTOMER). */
  maxOpenOrdersPerCustomer: number;
  /** How long `minVersion` waits when the client gives no timeoutMs. */
  defaultWaitMs: number;
  /** minVersion waits in flight, in total and per subject; beyond them 429. */
  minVersionWaits: WaitSlotLimits;
  /** How long a readiness answer is reused. */
  readinessCacheMs: number;
  /** Express "trust proxy": hop count or proxy addresses, so req.ip is the client behind them. */
  trustProxy: number | string[];
  /** Serve the codec server at /codec (needs AppDeps.codec); off when absent. */
  codecServer?: CodecServerSettings;
}

export interface AppDeps extends ApiPorts {
  settings: AppSettings;
  logger: Logger;
  /** Where HTTP metrics are registered and what GET /metrics serves. */
  metrics: Registry;
  clock?: Clock;
  newOrderId?: () => string;
  /** The AsyncAPI document of the event stream, when the events engineer's builder exists. */
  asyncApiDocument?: () => unknown;
  /** The payload codec the Temporal client uses; the codec server serves it when enabled. */
  codec?: PayloadCodec;
  /** Traces each request (a no-op tracer unless a provider is registered). */
  tracer?: Tracer;
  /** Rate-limit counters; default: in this process. */
  rateLimits?: RateLimitCounters;
}

/** The ports only the application uses: routes reach the orders through it. */
type ApplicationPorts = 'commands' | 'readModel' | 'idempotency' | 'newOrderId';

/** What route modules receive: deps with the optional parts resolved, and the application. */
export type RouteContext = Required<
  Omit<AppDeps, 'asyncApiDocument' | 'codec' | 'tracer' | 'rateLimits' | ApplicationPorts>
> &
  Pick<AppDeps, 'asyncApiDocument' | 'codec' | 'tracer'> & {
    /** Rate-limit counters, for limits a route counts itself (the webhook's). */
    rateLimits: RateLimitCounters;
    /** The application: what the routes call for orders (api/application/). */
    orders: OrderCommandService;
    queries: OrderQueryService;
  };
