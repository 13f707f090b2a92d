import { Router, type Request } from 'express';
import type { Outcome } from '../application/outcome';
import { actorOf, SCOPES, type Scope } from '../auth/principal';
import { principalOf, requireScope } from '../auth/middleware';
import { jsonBody } from '../http/body';
import { problem } from '../http/problem';
import { parseRequestPart } from '../http/validate';
import type { Actor } from '../ports';
import { IdempotencyKeyHeader, OrderIdParam, PlaceOrder } from '../schemas';
import type { RouteContext } from './context';
import { answered } from './order-problems';
import { addOrderReadRoutes } from './order-reads';

// The order commands over HTTP: parse the request, call the application
// (application/order-commands.ts), answer its outcome. Every command is accepted with 202:
// the saga acts on it asynchronously, and the order's read model shows what it did.

/**
 * Every route under /orders, commands and reads (routes/order-reads.ts), in one router: Express
 * answers OPTIONS with the methods of the first router that knows the path.
 */
export function ordersRouter(ctx: RouteContext): Router {
  const router = Router();
  addOrderCommandRoutes(router, ctx);
  addOrderReadRoutes(router, ctx);
  return router;
}

function addOrderCommandRoutes(router: Router, ctx: RouteContext): void {
  const { orders } = ctx;

  router.post('/orders', requireScope(SCOPES.write), ...jsonBody, async (req, res) => {
    const by = actorOf(principalOf(res));
    const command = parseRequestPart(PlaceOrder, req.body, 'body');
    const placed = answered(await orders.place(by, command, idempotencyKeyOf(req)));
    res
      .status(202)
      .location(`/orders/${encodeURIComponent(placed.orderId)}`)
      .setHeader('Idempotent-Replayed', String(placed.replayed));
    res.json({ orderId: placed.orderId, status: placed.status, version: placed.version });
  });

  /** A command on one order: 202 once the workflow accepted it. */
  const command = (
    path: string,
    scope: Scope,
    send: (by: Actor, orderId: string) => Promise<Outcome>,
  ) =>
    router.post(`/orders/:orderId/${path}`, requireScope(scope), async (req, res) => {
      const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
      answered(await send(actorOf(principalOf(res)), orderId));
      res.status(202).json({ orderId, accepted: true });
    });
  command('cancel', SCOPES.write, (by, id) => orders.cancel(by, id));
  command('approve', SCOPES.support, (by, id) => orders.decide(by, id, 'approve'));
  command('reject', SCOPES.support, (by, id) => orders.decide(by, id, 'reject'));
  command('retry-compensation', SCOPES.support, (by, id) => orders.retryCompensation(by, id));
}

/** The Idempotency-Key header as sent, if it was; an unusable one is a 400. */
function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const parsed = IdempotencyKeyHeader.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw problem('validation-error', 'Invalid Idempotency-Key header.', {
    errors: parsed.error.issues.map((i) => ({
      path: '/headers/idempotency-key',
      message: i.message,
    })),
  });
}
