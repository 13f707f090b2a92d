import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { PROBLEM_OF_REFUSAL, PROBLEM_TYPES, type ProblemKey } from './http/problem-types';
import {
  UPDATE_REJECTION_MEANINGS,
  UPDATE_REJECTION_REASONS,
  type UpdateRejectionReason,
} from '../workflows/client';
import {
  CatalogEntryBody,
  CatalogEntryResponse,
  CommandAccepted,
  CustomerIdParam,
  CustomerStatsResponse,
  GetOrderQuery,
  HealthResponse,
  HistoryResponse,
  IdempotencyKeyHeader,
  ListOrdersQuery,
  OrderIdParam,
  OrderPageResponse,
  OrderResponse,
  PaymentWebhookBody,
  PlaceOrder,
  PlaceOrderAccepted,
  ProblemSchema,
  ReadyResponse,
  SkuParam,
  SkuSalesListResponse,
  SkuSalesResponse,
  TopSkuSalesQuery,
  WebhookAlreadyProcessed,
} from './schemas';
import { WEBHOOK_TOLERANCE_SECONDS } from './webhook/standard-webhook';

// The OpenAPI document is generated from the zod schemas the routes validate with and the table
// of problem types the API answers with; nothing here is written by hand except prose. One
// registration function per area of the API, in the order the document lists them.

type Responses = RouteConfig['responses'];

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});
/** A problem type as descriptions name it (`…/<type>`), from the table the API answers with. */
const type = (key: ProblemKey) => `…/${PROBLEM_TYPES[key].type}`;
/** Each reason the workflow refuses `update` with, and its problem type. */
const refusalsOf = (update: string) =>
  UPDATE_REJECTION_REASONS.filter((reason) =>
    UPDATE_REJECTION_MEANINGS[reason].update.split(', ').includes(update),
  )
    .map((reason) => `${type(PROBLEM_OF_REFUSAL[reason])} (\`reason\` ${reason})`)
    .join(', ');

const common: Responses = {
  400: problem('Validation failed (see `errors`) or malformed JSON.'),
  401: problem('Missing or invalid bearer token (WWW-Authenticate: Bearer …).'),
  403: problem('The token lacks the required scope.'),
  429: problem('Rate limit exceeded; see Retry-After.'),
  503: problem(
    'A dependency (temporal, kafka, mongodb, jwks) is unavailable; it is named in `dependency`.',
  ),
};
const bodyErrors: Responses = {
  413: problem('Body larger than 100 kB.'),
  415: problem('Body is not application/json.'),
};

const bearer = [{ bearerAuth: [] }];
/** Public operations: the document's default (bearer) does not apply to them. */
const publicOperation: RouteConfig['security'] = [];

/** The workflow's refusal reason that a problem type answers, for the problem table. */
const REASON_OF_PROBLEM = new Map<string, UpdateRejectionReason>(
  UPDATE_REJECTION_REASONS.map((reason) => [
    PROBLEM_TYPES[PROBLEM_OF_REFUSAL[reason]].type,
    reason,
  ]),
);

/** Every problem type the API answers with, as a Markdown table (from the one table in code). */
function problemTable(): string {
  const rows = new Map<string, string>();
  for (const { type: name, status, title } of Object.values(PROBLEM_TYPES)) {
    const reason = REASON_OF_PROBLEM.get(name);
    rows.set(
      `${name} ${status}`,
      `| \`${name}\` | ${status} | ${title} | ${reason ? `\`${reason}\`: ${UPDATE_REJECTION_MEANINGS[reason].meaning}` : ''} |`,
    );
  }
  return [
    "Problem types (`type` is `https://order-saga.example/problems/<type>`). Where the order workflow refused the command, its refusal reason is the problem's `reason` member, one reason per type:",
    '',
    '| type | status | title | workflow refusal `reason`: meaning |',
    '| --- | --- | --- | --- |',
    ...[...rows.values()].sort(),
  ].join('\n');
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registerSecuritySchemes(registry);
  registerPlaceOrder(registry);
  registerOrderReads(registry);
  registerOrderCommands(registry);
  registerStats(registry);
  registerPaymentWebhook(registry);
  registerCatalog(registry);
  registerOps(registry);
  const generator = new OpenApiGeneratorV31(registry.definitions);
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'order-saga API',
      version: '1.0.0',
      description: [
        'Write side: commands start and steer the order saga (Temporal). Read side: read models projected from the order event stream. Every error is application/problem+json (RFC 9457). Requests are rate limited per client (429 with Retry-After) and carry X-Request-Id.',
        problemTable(),
      ].join('\n\n'),
    },
    security: bearer,
  });
  return document as unknown as Record<string, unknown>;
}

function registerSecuritySchemes(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'HS256 with JWT_SECRET (development) or RS256 via JWKS_URL. Scopes in the space-separated `scope` claim: orders:write, orders:read, orders:support.',
  });
  registry.registerComponent('securitySchemes', 'webhookSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description:
      'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">` with PAYMENT_WEBHOOK_SECRET (whsec_ + base64 key, or a plain string used as key bytes); several space-separated signatures are accepted during a key rotation.',
  });
}

function registerPlaceOrder(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/orders',
    summary: 'Place an order (starts the order saga)',
    description:
      'Scope orders:write; customerId must be the token subject unless orders:support. With an `Idempotency-Key`, a repeat with the same body answers the same orderId and starts nothing; the same key with another body is 409. The body comparison is made on the validated command in canonical JSON.',
    security: bearer,
    request: {
      headers: z.object({ 'Idempotency-Key': IdempotencyKeyHeader.optional() }),
      body: { required: true, content: { 'application/json': { schema: PlaceOrder } } },
    },
    responses: {
      202: {
        ...json(
          PlaceOrderAccepted,
          'Accepted; the saga runs asynchronously. Location points at the order.',
        ),
        headers: { Location: { schema: { type: 'string' }, description: '/orders/{orderId}' } },
      },
      ...common,
      ...bodyErrors,
      409: problem(
        `Idempotency-Key reused with a different body (type ${type('idempotency-key-reused')}), or the customer already has MAX_OPEN_ORDERS_PER_CUSTOMER open orders (${type('too-many-open-orders')}, with \`limit\` and \`openOrders\`; a repeat of an accepted Idempotency-Key is never refused by the cap).`,
      ),
    },
  });
}

function registerOrderReads(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/orders',
    summary: 'List orders, newest first',
    description:
      "Scope orders:read. Without orders:support only the caller's own orders. Cursor pagination: pass nextCursor as cursor.",
    security: bearer,
    request: { query: ListOrdersQuery },
    responses: { 200: json(OrderPageResponse, 'A page of orders.'), ...common },
  });

  registry.registerPath({
    method: 'get',
    path: '/orders/{orderId}',
    summary: 'Read an order (read model), optionally waiting for your own write',
    description: [
      "Scope orders:read; other customers' orders need orders:support (otherwise 404).",
      'With `minVersion`, the request waits (default 10 s, `timeoutMs` up to 30 s) until the read model has applied that event sequence, so `GET …?minVersion={version from POST}` right after placing an order does not 404.',
      'If the wait times out: with an older version of the order it answers 200 with that document and `X-Min-Version-Reached: false`;',
      `with nothing at all, 404 with problem type ${type('order-not-yet-visible')} and Retry-After (distinguishable from a plain unknown id, ${type('order-not-found')}).`,
    ].join(' '),
    security: bearer,
    request: { params: OrderIdParam, query: GetOrderQuery },
    responses: {
      200: json(OrderResponse, 'The order.'),
      ...common,
      404: problem('Unknown order, or not visible within the minVersion wait.'),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/orders/{orderId}/history',
    summary: "The order workflow's history, summarized (support)",
    description: 'Scope orders:support. Includes a link to the workflow in the Temporal Web UI.',
    security: bearer,
    request: { params: OrderIdParam },
    responses: {
      200: json(HistoryResponse, 'Workflow history.'),
      ...common,
      404: problem('Unknown order.'),
    },
  });
}

function registerOrderCommands(registry: OpenAPIRegistry): void {
  const command = (
    path: string,
    summary: string,
    description: string,
    conflict: string,
    extra: Responses = {},
  ) =>
    registry.registerPath({
      method: 'post',
      path,
      summary,
      description,
      security: bearer,
      request: { params: OrderIdParam },
      responses: {
        202: json(CommandAccepted, 'Accepted by the workflow.'),
        ...common,
        404: problem('Unknown order.'),
        409: problem(conflict),
        ...extra,
      },
    });
  command(
    '/orders/{orderId}/cancel',
    'Cancel an order',
    "Scope orders:write; another customer's order needs orders:support. The workflow decides whether it is too late.",
    `The workflow refused the cancellation: ${refusalsOf('cancelOrder')}.`,
  );
  command(
    '/orders/{orderId}/approve',
    'Approve an order awaiting manual approval',
    "Scope orders:support. Four eyes: the order's own customer cannot approve it, even with orders:support.",
    `The workflow refused the approval: ${refusalsOf('approveOrder')}.`,
    {
      403: problem(
        `The token lacks orders:support (${type('forbidden')}), or its subject is the order's customer (${type('self-approval-forbidden')}).`,
      ),
    },
  );
  command(
    '/orders/{orderId}/reject',
    'Reject an order awaiting manual approval',
    'Scope orders:support.',
    `The workflow refused the rejection: ${refusalsOf('rejectOrder')}.`,
  );
  command(
    '/orders/{orderId}/retry-compensation',
    'Run the failed compensation of a COMPENSATION_FAILED order again (support)',
    "Scope orders:support. Sends the saga's `retryCompensation` update once the cause is fixed: the saga runs the failed compensation again and continues unwinding (CANCELLED), or returns to COMPENSATION_FAILED if it fails again. 202 means the retry was accepted, not that it succeeded: read the order.",
    `The workflow refused the retry (the order is not, or no longer, COMPENSATION_FAILED, or a retry is already scheduled): ${refusalsOf('retryCompensation')}.`,
  );
}

function registerStats(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/customers/{customerId}/stats',
    summary: "A customer's orders by status and total spent (read model customer_stats)",
    description:
      "Scope orders:read; another customer's stats need orders:support (otherwise 403). Exact: the projector applies each order's status change once. A customer without orders has all zeros.",
    security: bearer,
    request: { params: CustomerIdParam },
    responses: { 200: json(CustomerStatsResponse, "The customer's stats."), ...common },
  });

  registry.registerPath({
    method: 'get',
    path: '/sales/skus',
    summary: 'Sales per SKU, most revenue first (support; read model sku_sales)',
    description:
      'Scope orders:support. Units and revenue of completed orders, exact; the `limit` SKUs with the most revenue.',
    security: bearer,
    request: { query: TopSkuSalesQuery },
    responses: { 200: json(SkuSalesListResponse, 'The best-selling SKUs.'), ...common },
  });

  registry.registerPath({
    method: 'get',
    path: '/sales/skus/{sku}',
    summary: "One SKU's sales (support; read model sku_sales)",
    description: 'Scope orders:support. A SKU not sold yet has zeros.',
    security: bearer,
    request: { params: SkuParam },
    responses: { 200: json(SkuSalesResponse, "The SKU's sales."), ...common },
  });
}

function registerPaymentWebhook(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/payments/webhook',
    summary: 'Payment provider confirmation',
    description: [
      'Signed with Standard Webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`. No bearer token.',
      `A timestamp more than ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes from the server's clock is refused; a webhook-id already delivered is answered 200 with \`alreadyProcessed\` and not delivered again.`,
      'Outside production only, and only with PAYMENT_WEBHOOK_LEGACY_SIGNATURE=true, the legacy `X-Signature` (hex HMAC-SHA256 of the raw body) is accepted instead.',
      "Rate limited per address, separately from the other operations, and only after the signature is checked: deliveries that verified count against WEBHOOK_RATE_LIMIT_PER_MINUTE, refused ones against WEBHOOK_UNVERIFIED_RATE_LIMIT_PER_MINUTE (past it they are answered 429 instead of 401), so unsigned requests cannot use up the provider's budget.",
    ].join(' '),
    security: [{ webhookSignature: [] }],
    request: {
      headers: z.object({
        'webhook-id': z
          .string()
          .regex(/^[\x21-\x7e]{1,256}$/)
          .meta({ description: 'Unique per message; repeated on the provider retries.' }),
        'webhook-timestamp': z
          .string()
          .regex(/^\d{1,12}$/)
          .meta({ description: 'Unix time in seconds when the message was signed.' }),
      }),
      body: { required: true, content: { 'application/json': { schema: PaymentWebhookBody } } },
    },
    responses: {
      200: json(WebhookAlreadyProcessed, 'This webhook-id was delivered before; nothing done.'),
      202: json(CommandAccepted, 'Delivered to the order workflow.'),
      400: problem('Malformed JSON or invalid body.'),
      401: problem('Missing or bad signature, or a timestamp outside the tolerance.'),
      404: problem('Unknown order.'),
      409: problem(
        `The workflow refused the confirmation (e.g. one arrived already, under another webhook-id): ${refusalsOf('confirmPayment')}; or another delivery of this webhook-id is still being processed (${type('webhook-in-progress')}, Retry-After).`,
      ),
      ...bodyErrors,
      429: common[429],
      503: common[503],
    },
  });
}

function registerCatalog(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'put',
    path: '/inventory/{sku}',
    summary: 'Create or replace a catalog entry (support)',
    security: bearer,
    request: {
      params: SkuParam,
      body: { required: true, content: { 'application/json': { schema: CatalogEntryBody } } },
    },
    responses: {
      200: json(CatalogEntryResponse, 'Replaced.'),
      201: json(CatalogEntryResponse, 'Created.'),
      ...common,
      ...bodyErrors,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/inventory/{sku}',
    summary: 'A catalog entry with its current available stock (support)',
    security: bearer,
    request: { params: SkuParam },
    responses: {
      200: json(CatalogEntryResponse, 'The entry.'),
      ...common,
      404: problem('Unknown SKU.'),
    },
  });
}

function registerOps(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process is up',
    security: publicOperation,
    responses: { 200: json(HealthResponse, 'Alive.') },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Temporal, Kafka and MongoDB reachable',
    description:
      'Answered from a cache of READINESS_CACHE_MS (2 s). Probe errors (`detail`) only for a bearer token with orders:support.',
    security: publicOperation,
    responses: {
      200: json(ReadyResponse, 'Ready.'),
      503: problem('Not ready; `unavailable` names the unreachable dependencies.'),
    },
  });
}
