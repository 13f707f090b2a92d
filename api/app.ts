import express, { type Express } from 'express';
import helmet from 'helmet';
import { tracerOf } from '../lib/tracing';
import { authenticate } from './auth/middleware';
import { createTokenVerifier } from './auth/verifier';
import { createOrderCommandService } from './application/order-commands';
import { createOrderQueryService } from './application/order-queries';
import { newOrderId } from './application/order-id';
import { systemClock } from './reads/read-your-writes';
import { WaitSlots } from './reads/wait-slots';
import { createMemoryRateLimitCounters } from './adapters/memory-rate-limit-counters';
import { errorHandler, notFoundHandler } from './http/errors';
import { httpMetrics } from './http/metrics';
import { methodNotAllowed } from './http/method-not-allowed';
import { requestLog } from './http/request-log';
import { clientKey, limiter } from './http/rate-limit';
import { traceRequests } from './http/tracing';
import { buildOpenApiDocument } from './openapi';
import { codecRouter } from './routes/codec';
import type { AppDeps, RouteContext } from './routes/context';
import { inventoryRouter } from './routes/inventory';
import { opsRouter } from './routes/ops';
import { ordersRouter } from './routes/orders';
import { paymentsWebhookRouter } from './routes/payments-webhook';
import { salesRouter } from './routes/sales';
import './http/locals';

export type { AppDeps, AppSettings } from './routes/context';

/**
 * Probed by orchestrators and scrapers every few seconds: not rate limited (readiness is served
 * from a short cache instead), not logged at info.
 */
const UNLIMITED = new Set(['/healthz', '/readyz']);
const WEBHOOK_PATH = '/payments/webhook';

/** The HTTP app, wired only to the ports it is given (tests pass in-memory fakes). */
export function createApp(deps: AppDeps): Express {
  const ctx = routeContext(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.settings.trustProxy);
  // Nested query objects (?a[b]=c) are never valid here; the simple parser keeps them flat.
  app.set('query parser', 'simple');
  // First, so that every later middleware (and the request log line) runs inside the span.
  app.use(traceRequests(deps.tracer ?? tracerOf()));

  app.use(requestLog(deps.logger, UNLIMITED));
  app.use(httpMetrics(deps.metrics));
  app.use(helmet());
  app.use(authenticate(createTokenVerifier(deps.settings.auth)));
  // The payment provider's webhooks never share a bucket with anonymous traffic from the same
  // proxy address: the webhook route counts its deliveries itself, once their signature is
  // checked (routes/payments-webhook.ts), so unsigned junk cannot use up the provider's limit.
  app.use(
    limiter({
      name: 'api',
      perMinute: deps.settings.rateLimitPerMinute,
      counters: ctx.rateLimits,
      now: () => ctx.clock.now(),
      key: clientKey,
      skip: (req) => UNLIMITED.has(req.path) || req.path === WEBHOOK_PATH,
      logger: deps.logger,
    }),
  );

  if (deps.codec && deps.settings.codecServer)
    app.use(codecRouter(deps.codec, deps.settings.codecServer));
  const openApiDocument = buildOpenApiDocument();
  app.use(opsRouter(ctx, openApiDocument));
  app.use(paymentsWebhookRouter(ctx));
  app.use(ordersRouter(ctx));
  app.use(salesRouter(ctx));
  app.use(inventoryRouter(ctx));

  app.use(methodNotAllowed(openApiDocument.paths as Record<string, Record<string, unknown>>));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

/** The application over the ports the routes do not reach themselves, and the other deps. */
function routeContext(deps: AppDeps): RouteContext {
  const { commands, readModel, idempotency, settings, ...rest } = deps;
  const clock = deps.clock ?? systemClock;
  return {
    ...rest,
    settings,
    clock,
    rateLimits: deps.rateLimits ?? createMemoryRateLimitCounters(),
    orders: createOrderCommandService({
      commands,
      readModel,
      idempotency,
      newOrderId: deps.newOrderId ?? newOrderId,
      maxOpenOrdersPerCustomer: settings.maxOpenOrdersPerCustomer,
    }),
    queries: createOrderQueryService({
      commands,
      readModel,
      waits: new WaitSlots(settings.minVersionWaits),
      clock,
      defaultWaitMs: settings.defaultWaitMs,
    }),
  };
}
