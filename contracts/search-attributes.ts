import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes support staff filter on in the Temporal UI. They must be registered
// on the server before a workflow upserts them (the local stack does so at start).
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderTotalKey = defineSearchAttributeKey('OrderTotal', SearchAttributeType.INT);

/** Name → type, in the form `temporal server start-dev --search-attribute` expects. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Int'> = {
  OrderStatus: 'Keyword',
  CustomerId: 'Keyword',
  OrderTotal: 'Int',
};
