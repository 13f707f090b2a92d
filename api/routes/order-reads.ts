import type { Response, Router } from 'express';
import { actorOf, SCOPES, type Principal } from '../auth/principal';
import { principalOf, requireScope } from '../auth/middleware';
import { problem } from '../http/problem';
import { parseRequestPart } from '../http/validate';
import { decodeCursor, encodeCursor } from '../reads/cursor';
import { GetOrderQuery, ListOrdersQuery, OrderIdParam } from '../schemas';
import { orderWorkflowId } from '../../contracts/order';
import type { RouteContext } from './context';
import { answered } from './order-problems';
import { toOrderResponse, workflowUiUrl, workflowUiUrlPrefix } from './order-view';

// Reading orders over HTTP: the read model (waiting for the caller's own write with
// minVersion), and the workflow's history for support (application/order-queries.ts).

/** Adds the read routes to the orders router (one router per path, for OPTIONS' Allow). */
export function addOrderReadRoutes(router: Router, ctx: RouteContext): void {
  const { queries } = ctx;
  /** Support staff get each order's link to its workflow in the Temporal UI. */
  const workflowsUrl = workflowUiUrlPrefix(ctx.settings);
  const uiLinkFor = (principal: Principal, orderId: string) =>
    principal.scopes.has(SCOPES.support)
      ? workflowsUrl + encodeURIComponent(orderWorkflowId(orderId))
      : undefined;

  router.get('/orders', requireScope(SCOPES.read), async (req, res) => {
    const principal = principalOf(res);
    const { cursor, ...query } = parseRequestPart(ListOrdersQuery, req.query, 'query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after === null) {
      throw problem('validation-error', 'The cursor is not valid.', {
        errors: [{ path: '/query/cursor', message: 'not a cursor returned by this API' }],
      });
    }
    const page = answered(await queries.list(actorOf(principal), { ...query, after }));
    res.json({
      items: page.items.map((view) => toOrderResponse(view, uiLinkFor(principal, view.orderId))),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  router.get('/orders/:orderId', requireScope(SCOPES.read), async (req, res) => {
    const principal = principalOf(res);
    const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
    const query = parseRequestPart(GetOrderQuery, req.query, 'query');
    // Only a minVersion read waits, so only it needs to learn that its client went away.
    const signal = query.minVersion === undefined ? undefined : abortOnClose(res);
    const { view, reached } = answered(
      await queries.get(actorOf(principal), orderId, { ...query, signal }),
    );
    // On timeout with an older version we answer what we have; the header and `version` say so.
    if (reached !== undefined) res.setHeader('X-Min-Version-Reached', String(reached));
    res.json(toOrderResponse(view, uiLinkFor(principal, view.orderId)));
  });

  router.get('/orders/:orderId/history', requireScope(SCOPES.support), async (req, res) => {
    const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
    const history = answered(await queries.history(orderId));
    const ui = { ...ctx.settings, temporalNamespace: history.namespace };
    res.json({
      orderId,
      workflowId: history.workflowId,
      runId: history.runId,
      status: history.status,
      temporalUiUrl: workflowUiUrl(ui, history.workflowId),
      events: history.events,
    });
  });
}

/** An AbortSignal that fires when the client disconnects before we answered. */
function abortOnClose(res: Response): AbortSignal {
  // The response's 'close' (not the request's, which fires once its body is read) means the
  // connection went away when it comes before we ended the response.
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}
