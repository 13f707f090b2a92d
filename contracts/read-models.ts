import { z } from 'zod';
import {
  CancellationReason,
  CurrencyCode,
  MinorUnits,
  OrderAmount,
  OrderItem,
  OrderStatus,
  PricedItem,
} from './order';
import { ORDER_EVENT_TYPES } from './events';

// Read models served by the API, built only from domain events by the projector.

export const PaymentStatus = z.enum([
  'NONE',
  'AWAITING_CONFIRMATION',
  'AUTHORIZED',
  'DECLINED',
  'CAPTURED',
  'VOIDED',
  'REFUNDED',
]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;
export const ShipmentStatus = z.enum(['NONE', 'CREATED', 'CANCELLED']);

export const TimelineEntry = z.object({
  sequence: z.number().int().positive(),
  type: z.enum(ORDER_EVENT_TYPES as [string, ...string[]]),
  occurredAt: z.iso.datetime(),
});

/**
 * Support's decision on an order that waited for approval: APPROVED or REJECTED by a person
 * (OrderApproved, OrderRejected with APPROVAL_REJECTED), or TIMED_OUT when nobody decided in time.
 */
export const ApprovalDecision = z.object({
  decision: z.enum(['APPROVED', 'REJECTED', 'TIMED_OUT']),
  /** Who decided (support's subject), when the event says. */
  decidedBy: z.string().optional(),
  /** Why, in their words. */
  note: z.string().optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** `orders` collection: one document per order; `version` is the last applied sequence. */
export const OrderView = z.object({
  orderId: z.string(),
  customerId: z.string(),
  status: OrderStatus,
  cancellationReason: CancellationReason.optional(),
  /** Who asked for the cancellation (the customer, or support for them), when a person did. */
  cancelledBy: z.string().optional(),
  /** Why, in the words of whoever cancelled (a support cancellation's reason). */
  cancellationNote: z.string().optional(),
  approval: ApprovalDecision.optional(),
  items: z.array(z.union([PricedItem, OrderItem])),
  total: OrderAmount.optional(),
  currency: CurrencyCode,
  payment: z.object({ status: PaymentStatus }),
  shipment: z.object({ status: ShipmentStatus, trackingNumber: z.string().optional() }),
  timeline: z.array(TimelineEntry),
  version: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type OrderView = z.infer<typeof OrderView>;

/** `customer_stats`: per customer, order counts by status and total spent on completed orders. */
export const CustomerStats = z.object({
  customerId: z.string(),
  ordersByStatus: z.record(z.string(), z.number().int().nonnegative()),
  totalSpent: MinorUnits,
});
export type CustomerStats = z.infer<typeof CustomerStats>;

/** `sku_sales`: per SKU, units sold and revenue on completed orders. */
export const SkuSales = z.object({
  sku: z.string(),
  unitsSold: z.number().int().nonnegative(),
  revenue: MinorUnits,
});
export type SkuSales = z.infer<typeof SkuSales>;

export const READ_MODEL_COLLECTIONS = {
  orders: 'orders',
  customerStats: 'customer_stats',
  skuSales: 'sku_sales',
} as const;
