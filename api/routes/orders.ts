import { Router, type Response } from 'express';
import { principalOf, requireScope } from '../auth/middleware';
import { mayActFor, SCOPES, type Principal } from '../auth/principal';
import { bodyHash } from '../domain/body-hash';
import { decodeCursor, encodeCursor } from '../domain/cursor';
import { createReadModelWatch } from '../domain/read-your-writes';
import type { WaitSlotLimits } from '../domain/wait-slots';
import { jsonBody } from '../http/body';
import { problem, type ProblemError } from '../http/problem';
import { parseRequestPart } from '../http/validate';
import type {
  Actor,
  CancelResult,
  DecisionResult,
  OrderCommands,
  RetryCompensationResult,
} from '../ports';
import {
  GetOrderQuery,
  IdempotencyKeyHeader,
  ListOrdersQuery,
  OrderIdParam,
  PlaceOrder,
} from '../schemas';
import { orderWorkflowId } from '../../contracts/order';
import type { RouteContext } from './context';
import { commandRejected, orderNotFound } from './order-problems';
import { toOrderResponse, workflowUiUrl } from './order-view';

const actorOf = (p: Principal): Actor => ({ sub: p.sub, support: p.scopes.has(SCOPES.support) });

export function ordersRouter(ctx: RouteContext): Router {
  const router = Router();
  const { commands, readModel, idempotency, clock } = ctx;
  /** Support staff get each order's link to its workflow in the Temporal UI. */
  const uiLinkFor = (principal: Principal, orderId: string) =>
    principal.scopes.has(SCOPES.support)
      ? workflowUiUrl(ctx.settings, orderWorkflowId(orderId))
      : undefined;
  // Every minVersion wait of this instance is served by one loop of batched reads.
  const versions = createReadModelWatch({
    loadOne: (orderId) => readModel.get(orderId),
    loadMany: (orderIds) => readModel.getMany(orderIds),
    clock,
  });

  router.post('/orders', requireScope(SCOPES.write), ...jsonBody, async (req, res) => {
    const principal = principalOf(res);
    const command = parseRequestPart(PlaceOrder, req.body, 'body');
    if (!mayActFor(principal, command.customerId)) {
      throw problem(
        'forbidden',
        'customerId must be the token subject (or the caller needs orders:support).',
      );
    }
    const rawKey = req.headers['idempotency-key'];
    let orderId = ctx.newOrderId();
    let repeat = false;
    let key: string | undefined;
    if (rawKey !== undefined) {
      const parsed = IdempotencyKeyHeader.safeParse(rawKey);
      if (!parsed.success) {
        throw problem('validation-error', 'Invalid Idempotency-Key header.', {
          errors: parsed.error.issues.map((i) => ({
            path: '/headers/idempotency-key',
            message: i.message,
          })),
        });
      }
      // Keys are per caller: two customers choosing the same key never see each other's order.
      key = `${principal.sub}\u0000${parsed.data}`;
      const reservation = await idempotency.reserve(key, bodyHash(command), orderId);
      if (reservation.kind === 'conflict') {
        throw problem(
          'idempotency-key-reused',
          'This Idempotency-Key was already used with a different request body.',
        );
      }
      orderId = reservation.orderId;
      repeat = reservation.kind === 'repeat';
    }
    // A repeat answers the order it already made, whatever the cap says now.
    if (!repeat) {
      const refusal = await openOrderCapRefusal(commands, command.customerId, ctx.settings);
      if (refusal) {
        // Free the key: a retry with it, once an order has finished, is judged afresh.
        if (key !== undefined) await idempotency.release(key, orderId);
        throw refusal;
      }
    }
    // A repeat still asks to start: the adapter starts nothing if the workflow exists, and this
    // completes the work if the first request died between reserving and starting.
    const result = await commands.placeOrder(orderId, command, { key, repeat });
    res
      .status(202)
      .location(`/orders/${encodeURIComponent(result.orderId)}`)
      .setHeader('Idempotent-Replayed', String(repeat || !result.started));
    res.json({ orderId: result.orderId, status: result.status, version: result.version });
  });

  router.get('/orders', requireScope(SCOPES.read), async (req, res) => {
    const principal = principalOf(res);
    const query = parseRequestPart(ListOrdersQuery, req.query, 'query');
    const customerId =
      query.customerId ?? (principal.scopes.has(SCOPES.support) ? undefined : principal.sub);
    if (customerId !== undefined && !mayActFor(principal, customerId)) {
      throw problem('forbidden', "Listing another customer's orders needs orders:support.");
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null) {
      throw problem('validation-error', 'The cursor is not valid.', {
        errors: [{ path: '/query/cursor', message: 'not a cursor returned by this API' }],
      });
    }
    const page = await readModel.list({
      customerId,
      status: query.status,
      limit: query.limit,
      after,
    });
    res.json({
      items: page.items.map((view) => toOrderResponse(view, uiLinkFor(principal, view.orderId))),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  router.get('/orders/:orderId', requireScope(SCOPES.read), async (req, res) => {
    const principal = principalOf(res);
    const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
    const query = parseRequestPart(GetOrderQuery, req.query, 'query');
    const minVersion = query.minVersion;
    const timeoutMs =
      minVersion === undefined ? 0 : (query.timeoutMs ?? ctx.settings.defaultWaitMs);
    const slot = timeoutMs > 0 ? ctx.waits.acquire(principal.sub) : undefined;
    if (slot && !slot.ok) throw tooManyWaits(slot.limit, ctx.settings.minVersionWaits);
    let outcome;
    try {
      outcome = await versions.wait(orderId, {
        // Someone else's order ends the wait at once: it is answered as not found.
        isDone: (view) =>
          view !== null &&
          (!mayActFor(principal, view.customerId) || view.version >= (minVersion ?? 0)),
        timeoutMs,
        signal: abortOnClose(res),
      });
    } finally {
      slot?.release();
    }
    const view = outcome.value;
    if (view !== null && !mayActFor(principal, view.customerId)) throw orderNotFound(orderId);
    if (view === null) {
      if (minVersion === undefined) throw orderNotFound(orderId);
      // Documented choice: a read-your-writes wait that sees nothing is a 404 with its own type,
      // so clients can tell "not visible yet, retry" from a plain unknown id.
      throw problem(
        'order-not-yet-visible',
        `Order ${orderId} was not visible in the read model within ${outcome.waitedMs} ms (minVersion ${minVersion}). If it was just accepted, retry.`,
        { minVersion, waitedMs: outcome.waitedMs, headers: { 'Retry-After': '1' } },
      );
    }
    // On timeout with an older version we answer what we have; the header and `version` say so.
    if (minVersion !== undefined) res.setHeader('X-Min-Version-Reached', String(outcome.reached));
    res.json(toOrderResponse(view, uiLinkFor(principal, view.orderId)));
  });

  /** Customers act on their own orders only; the workflow is asked when the read model lags. */
  async function authorizeOrder(principal: Principal, orderId: string): Promise<void> {
    if (principal.scopes.has(SCOPES.support)) return;
    const view = await readModel.get(orderId);
    let owner = view?.customerId;
    if (owner === undefined) {
      const result = await commands.ownerOf(orderId);
      if (!result.ok) throw orderNotFound(orderId);
      owner = result.customerId;
    }
    // Not found rather than forbidden: a customer learns nothing about others' order ids.
    if (owner !== principal.sub) throw orderNotFound(orderId);
  }

  router.post('/orders/:orderId/cancel', requireScope(SCOPES.write), async (req, res) => {
    const principal = principalOf(res);
    const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
    await authorizeOrder(principal, orderId);
    answerCommand(res, orderId, await commands.cancel(orderId, actorOf(principal)));
  });

  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/orders/:orderId/${decision}`, requireScope(SCOPES.support), async (req, res) => {
      const principal = principalOf(res);
      const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
      if (decision === 'approve') await refuseSelfApproval(commands, principal, orderId);
      answerCommand(res, orderId, await commands[decision](orderId, actorOf(principal)));
    });
  }

  router.post(
    '/orders/:orderId/retry-compensation',
    requireScope(SCOPES.support),
    async (req, res) => {
      const principal = principalOf(res);
      const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
      answerCommand(res, orderId, await commands.retryCompensation(orderId, actorOf(principal)));
    },
  );

  router.get('/orders/:orderId/history', requireScope(SCOPES.support), async (req, res) => {
    const { orderId } = parseRequestPart(OrderIdParam, req.params, 'params');
    const result = await commands.history(orderId);
    if (!result.ok) throw orderNotFound(orderId);
    const ui = { ...ctx.settings, temporalNamespace: result.namespace };
    res.json({
      orderId,
      workflowId: result.workflowId,
      runId: result.runId,
      status: result.status,
      temporalUiUrl: workflowUiUrl(ui, result.workflowId),
      events: result.events,
    });
  });

  return router;
}

/** 429 for a minVersion wait over the cap; a plain read (no minVersion) is never refused here. */
function tooManyWaits(limit: 'total' | 'subject', limits: WaitSlotLimits): ProblemError {
  const detail =
    limit === 'subject'
      ? `You already have ${limits.perSubject} minVersion waits in flight; retry when one has ended.`
      : `The server has ${limits.total} minVersion waits in flight; retry shortly.`;
  return problem('rate-limited', detail, {
    limit: limit === 'subject' ? 'minVersionWaitsPerSubject' : 'minVersionWaits',
    headers: { 'Retry-After': '1' },
  });
}

/**
 * Four eyes: a large order waits for support's approval, so support staff cannot approve an order
 * placed in their own name (the token subject is the order's customer). The customer comes from
 * the workflow's CustomerId search attribute (set at start, so never behind like the read
 * model). Rejecting stays allowed: it only cancels, which the customer may do anyway.
 */
async function refuseSelfApproval(
  commands: OrderCommands,
  principal: Principal,
  orderId: string,
): Promise<void> {
  const owner = await commands.ownerOf(orderId);
  if (!owner.ok) throw orderNotFound(orderId);
  if (owner.customerId === principal.sub)
    throw problem(
      'self-approval-forbidden',
      `Order ${orderId} was placed by ${principal.sub}, who therefore cannot approve it: another member of support must.`,
    );
}

/**
 * The cap on a customer's open orders (each can hold stock for up to the payment confirmation's
 * 15 minutes). Counted from Temporal's visibility store: it knows a saga from its start, while
 * the read model lags behind the event stream by the projector. It is still a check, then a start:
 * requests racing each other can all pass it, so the cap is best-effort under a burst.
 */
async function openOrderCapRefusal(
  commands: OrderCommands,
  customerId: string,
  settings: { maxOpenOrdersPerCustomer: number },
): Promise<ProblemError | undefined> {
  const limit = settings.maxOpenOrdersPerCustomer;
  const open = await commands.openOrdersOf(customerId);
  if (open < limit) return undefined;
  return problem(
    'too-many-open-orders',
    `Customer ${customerId} already has ${open} open orders, the most allowed at once (${limit}); place this one when one of them has finished.`,
    { limit, openOrders: open },
  );
}

function answerCommand(
  res: Response,
  orderId: string,
  result: CancelResult | DecisionResult | RetryCompensationResult,
): void {
  if (!result.ok) throw commandRejected(orderId, result);
  res.status(202).json({ orderId, accepted: true });
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
