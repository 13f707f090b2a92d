import { z } from 'zod';

/** Every status an order can have; the workflow, read models and API all use these. */
export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_APPROVAL',
  'INVENTORY_RESERVED',
  'AWAITING_PAYMENT_CONFIRMATION',
  'PAYMENT_AUTHORIZED',
  'SHIPMENT_CREATED',
  'COMPLETED',
  'COMPENSATING',
  'CANCELLED',
  'COMPENSATION_FAILED',
] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Statuses after which nothing more happens to an order. */
export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED'];

/** The one reason a cancelled order carries. */
export const CANCELLATION_REASONS = [
  'CUSTOMER_CANCELLED',
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'PAYMENT_DECLINED',
  'PAYMENT_CONFIRMATION_TIMEOUT',
  'SHIPPING_UNAVAILABLE',
  'CAPTURE_FAILED',
  'APPROVAL_REJECTED',
  'APPROVAL_TIMEOUT',
] as const;
export const CancellationReason = z.enum(CANCELLATION_REASONS);
export type CancellationReason = z.infer<typeof CancellationReason>;

/** Integer amount in the currency's minor unit (cents), so sums are exact. */
export const MinorUnits = z.number().int().nonnegative();

// Bounds chosen so that no order's sum can leave the exactly representable integers: an order
// has at most MAX_ORDER_LINES lines of at most MAX_LINE_QUANTITY units at most MAX_UNIT_PRICE
// each, so its total is at most MAX_ORDER_TOTAL = 10^15, below Number.MAX_SAFE_INTEGER (~9×10^15).
export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 1000;
/** 10^10 minor units: 100 million in a currency with cents. */
export const MAX_UNIT_PRICE = 10_000_000_000;
export const MAX_ORDER_TOTAL = MAX_ORDER_LINES * MAX_LINE_QUANTITY * MAX_UNIT_PRICE;

/** A catalog price, in minor units. */
export const UnitPrice = MinorUnits.max(MAX_UNIT_PRICE);
/** A line total, an order total or an amount charged for one order, in minor units. */
export const OrderAmount = MinorUnits.max(MAX_ORDER_TOTAL);

export const Sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"');

const orderItemShape = {
  sku: Sku,
  quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
};

// Client input is strict: an unknown field is refused (a misspelt `line2` would otherwise be
// dropped silently), while what services produce (PricedItem, events) stays tolerant.
export const OrderItemRequest = z.strictObject(orderItemShape);
/** An order line as services and events carry it (unknown fields tolerated). */
export const OrderItem = z.object(orderItemShape);
export type OrderItemRequest = z.infer<typeof OrderItemRequest>;

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD');
export const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. US');

export const ShippingAddress = z.strictObject({
  name: z.string().min(1).max(200),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  postalCode: z.string().min(1).max(20),
  country: CountryCode,
});
export type ShippingAddress = z.infer<typeof ShippingAddress>;

/** The payment provider's token for the customer's card, e.g. tok_ok; never a card number. */
export const PaymentToken = z
  .string()
  .max(128)
  .regex(/^tok_[A-Za-z0-9_]{1,124}$/, '"tok_" and letters, digits or "_"');

/** The client's command to place an order (the API's `POST /orders` body). */
export const PlaceOrder = z.strictObject({
  customerId: z.string().min(1).max(128),
  items: z.array(OrderItemRequest).min(1).max(MAX_ORDER_LINES),
  currency: CurrencyCode,
  paymentToken: PaymentToken,
  shippingAddress: ShippingAddress,
});
export type PlaceOrder = z.infer<typeof PlaceOrder>;

/** Input of the order workflow: the command plus the id the API assigned. */
export const OrderSagaInput = PlaceOrder.extend({
  orderId: z.string().min(1).max(128),
});
export type OrderSagaInput = z.infer<typeof OrderSagaInput>;

/** An item once priced from the catalog (prices never come from the client). */
export const PricedItem = z.object({
  ...orderItemShape,
  unitPrice: UnitPrice,
  lineTotal: OrderAmount,
});
export type PricedItem = z.infer<typeof PricedItem>;

/** Workflow ids are derived from order ids, so a duplicate start cannot create a second saga. */
export const orderWorkflowId = (orderId: string): string => `order-${orderId}`;
