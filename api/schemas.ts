import { z } from 'zod';
import {
  OrderAmount,
  OrderStatus,
  PlaceOrder as PlaceOrderCommand,
  Sku,
  UnitPrice,
} from '../contracts/order';
import { CustomerStats, OrderView, SkuSales } from '../contracts/read-models';
import { CURSOR_PATTERN } from './reads/cursor';

// The HTTP contract as zod schemas: routes validate with them and api/openapi.ts generates the
// OpenAPI document from the very same objects, so the two cannot drift.

/** The command schema from contracts, named for the OpenAPI components. */
export const PlaceOrder = PlaceOrderCommand.meta({ id: 'PlaceOrder' });

export const OrderIdParam = z.object({
  orderId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" or "-"')
    .meta({
      description: 'The id POST /orders returned, e.g. ord_5f0c…',
      example: 'ord_1a2b3c4d5e6f7a8b9c0d1e2f',
    }),
});

export const SkuParam = z.object({ sku: Sku });

/** A customer id as tokens carry it (their subject) and orders name it. */
const CustomerId = z.string().min(1).max(128);

export const CustomerIdParam = z.object({
  customerId: CustomerId.meta({ description: 'The customer: the token subject of their orders.' }),
});

export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only')
  .meta({
    description:
      'Makes the request safe to repeat: the same key with the same body answers the same order. Scoped to the caller.',
    example: 'checkout-7f3a9c',
  });

/** The opaque pagination cursor (base64url), as decodeCursor accepts it. */
export const Cursor = z.string().regex(CURSOR_PATTERN, 'a nextCursor returned by this API').meta({
  description:
    'nextCursor of the previous page: `<createdAt>~<orderId>` of the last order served. Pass it back unchanged.',
  example: '2026-01-01T00:00:00.000Z~ord_1a2b3c4d5e6f7a8b9c0d1e2f',
});

/** Upper bound for `timeoutMs`, so a request never holds a connection for long. */
export const MAX_WAIT_MS = 30_000;

export const GetOrderQuery = z.object({
  minVersion: z.coerce.number().int().min(0).max(1_000_000).optional().meta({
    description:
      'Wait until the read model has applied at least this event sequence (POST /orders returns it as `version`).',
  }),
  timeoutMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_MS)
    .optional()
    .meta({
      description: `How long to wait for minVersion, in ms (default 10000, at most ${MAX_WAIT_MS}).`,
    }),
});

export const ListOrdersQuery = z.object({
  customerId: CustomerId.optional().meta({
    description: 'Defaults to the caller; another customer needs the orders:support scope.',
  }),
  status: OrderStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: Cursor.optional(),
});

export const PlaceOrderAccepted = z
  .object({
    orderId: z.string(),
    status: OrderStatus,
    version: z.number().int().positive().meta({
      description:
        'Sequence of the first event of the order; read with GET /orders/{orderId}?minVersion=version.',
    }),
  })
  .meta({ id: 'PlaceOrderAccepted' });

export const OrderItemView = z.object({
  sku: z.string(),
  quantity: z.number().int(),
  unitPrice: UnitPrice.optional().meta({ description: 'Known once the order is priced.' }),
  lineTotal: OrderAmount.optional(),
});

/** GET /orders/{orderId}: the read model, without storage details. */
export const OrderResponse = OrderView.extend({
  items: z.array(OrderItemView),
  temporalUiUrl: z.string().optional().meta({
    description:
      "Support callers only: the order's workflow in the Temporal Web UI (docs/support.md).",
  }),
}).meta({ id: 'Order' });
export type OrderResponse = z.infer<typeof OrderResponse>;

export const OrderPageResponse = z
  .object({
    items: z.array(OrderResponse),
    nextCursor: Cursor.nullable().meta({
      description: 'Pass as `cursor` for the next page; null on the last.',
    }),
  })
  .meta({ id: 'OrderPage' });

export const WebhookAlreadyProcessed = z
  .object({ webhookId: z.string(), alreadyProcessed: z.literal(true) })
  .meta({ id: 'WebhookAlreadyProcessed' });

export const CommandAccepted = z
  .object({ orderId: z.string(), accepted: z.literal(true) })
  .meta({ id: 'CommandAccepted' });

export const PaymentWebhookBody = z
  .strictObject({ orderId: z.string().min(1).max(128), outcome: z.enum(['confirmed', 'failed']) })
  .meta({ id: 'PaymentConfirmation' });

export const HistoryEvent = z.object({
  eventId: z.number().int(),
  type: z.string().meta({ example: 'ActivityTaskScheduled' }),
  time: z.string().optional(),
  name: z
    .string()
    .optional()
    .meta({ description: 'Activity type, timer id, signal or update name.' }),
  failure: z.string().optional(),
});

export const HistoryResponse = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    status: z.string(),
    temporalUiUrl: z.string(),
    events: z.array(HistoryEvent),
  })
  .meta({ id: 'WorkflowHistory' });

export const CatalogEntryBody = z
  .strictObject({
    name: z.string().min(1).max(200),
    unitPrice: UnitPrice.meta({
      description:
        'Price in minor units (cents), at most 10^10 so that no order total can exceed 10^15.',
    }),
    available: z.number().int().min(0).max(1_000_000_000),
  })
  .meta({ id: 'CatalogEntryInput' });

export const CatalogEntryResponse = CatalogEntryBody.extend({
  sku: z.string(),
  updatedAt: z.string().optional(),
}).meta({ id: 'CatalogEntry' });

/** GET /customers/{customerId}/stats: the `customer_stats` read model. */
export const CustomerStatsResponse = CustomerStats.extend({
  ordersByStatus: CustomerStats.shape.ordersByStatus.meta({
    description:
      "How many of the customer's orders are in each status now (an order counts in one status at a time; a status none is in may be absent or 0).",
  }),
  totalSpent: CustomerStats.shape.totalSpent.meta({
    description: 'Sum of the totals of the completed orders, in minor units.',
  }),
}).meta({ id: 'CustomerStats' });

/** One SKU's line of the `sku_sales` read model: completed orders only. */
export const SkuSalesResponse = SkuSales.extend({
  unitsSold: SkuSales.shape.unitsSold.meta({ description: 'Units in completed orders.' }),
  revenue: SkuSales.shape.revenue.meta({
    description: 'Sum of the line totals of those units, in minor units.',
  }),
}).meta({ id: 'SkuSales' });

export const TopSkuSalesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const SkuSalesListResponse = z
  .object({
    items: z.array(SkuSalesResponse).meta({ description: 'Most revenue first; ties by SKU.' }),
  })
  .meta({ id: 'SkuSalesList' });

export const HealthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const ProbeView = z.object({
  name: z.enum(['temporal', 'kafka', 'mongodb']),
  ok: z.boolean(),
  detail: z.string().optional(),
});

export const ReadyResponse = z
  .object({ status: z.literal('ready'), checks: z.array(ProbeView) })
  .meta({ id: 'Readiness' });

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: 'URI identifying the problem type.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({
        description:
          'Validation problems: JSON path of each (e.g. /body/items/0/quantity) and message.',
      }),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });
