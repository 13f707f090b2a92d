import type { OrderStatus, PlaceOrder } from '../contracts/order';
import type { CustomerStats, OrderView, SkuSales } from '../contracts/read-models';
import type { UpdateRejectionReason } from '../workflows/client';

// The API depends only on these small interfaces; adapters in ./adapters implement them against
// Temporal and MongoDB, and the unit tests pass in-memory fakes. Business outcomes are typed
// results (no HTTP codes: only api/http and api/routes translate them), while "the server
// behind this port is unreachable" is thrown as DependencyUnavailableError, because every
// port can hit it and every caller handles it the same way (503 naming the dependency).

export type DependencyName = 'temporal' | 'kafka' | 'mongodb';

/** An adapter could not reach its server (connection refused, timeout, no worker answering). */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: DependencyName,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
    this.name = 'DependencyUnavailableError';
  }
}

/** Who asks: the token's subject, and whether it may act on other customers' orders. */
export interface Actor {
  sub: string;
  support: boolean;
}

export type NotFound = { ok: false; reason: 'NOT_FOUND' };
export const notFound: NotFound = { ok: false, reason: 'NOT_FOUND' };

export type PlaceOrderResult = {
  ok: true;
  orderId: string;
  status: OrderStatus;
  /** Sequence of the first event the workflow emits; read with `minVersion=version`. */
  version: number;
  /** False when the workflow already existed (a repeated request), so nothing new started. */
  started: boolean;
};

/**
 * The workflow refused a message in the order's current state, with its own typed reason (one
 * of the workflow's refusal reasons, never folded into another) and the message for people. A
 * finished order is refused with the reason its state implies (e.g. TOO_LATE_TO_CANCEL).
 */
export type Refused = { ok: false; reason: UpdateRejectionReason; detail: string };

/** What a message to the order workflow (an update) comes back as. */
export type UpdateResult = { ok: true } | NotFound | Refused;

export type PaymentOutcome = 'confirmed' | 'failed';

export interface HistoryEntry {
  eventId: number;
  type: string;
  time?: string;
  /** Activity type, timer id, update or signal name: whatever names the step. */
  name?: string;
  failure?: string;
}

export type HistoryResult =
  | {
      ok: true;
      workflowId: string;
      runId: string;
      namespace: string;
      status: string;
      events: HistoryEntry[];
    }
  | NotFound;

export type OwnerResult = { ok: true; customerId: string } | NotFound;

/** The write side: everything here talks to the order workflow. */
export interface OrderCommands {
  /** Starts the order's saga; starting one that exists starts nothing (`started: false`). */
  placeOrder(orderId: string, command: PlaceOrder): Promise<PlaceOrderResult>;
  cancel(orderId: string, by: Actor): Promise<UpdateResult>;
  approve(orderId: string, by: Actor): Promise<UpdateResult>;
  reject(orderId: string, by: Actor): Promise<UpdateResult>;
  confirmPayment(orderId: string, outcome: PaymentOutcome): Promise<UpdateResult>;
  /** Support asks the saga to run its failed compensation again (COMPENSATION_FAILED only). */
  retryCompensation(orderId: string, by: Actor): Promise<UpdateResult>;
  history(orderId: string): Promise<HistoryResult>;
  /**
   * The customer an order belongs to, from the workflow itself: used to authorize a cancel
   * right after POST /orders, before the read model has caught up.
   */
  ownerOf(orderId: string): Promise<OwnerResult>;
  /**
   * How many of the customer's orders are still open: sagas running and not waiting in
   * COMPENSATION_FAILED (those wait for support, not for the customer). Counted from Temporal's
   * visibility store, which knows a saga from its start, without the read model's lag.
   */
  openOrdersOf(customerId: string): Promise<number>;
}

export interface ListOrdersQuery {
  customerId?: string;
  status?: OrderStatus;
  limit: number;
  /** Position after which to continue, decoded from the opaque cursor. */
  after?: { createdAt: string; orderId: string };
}

export interface OrderPage {
  items: OrderView[];
  /** Position of the last item when more may follow, for the next cursor. */
  next?: { createdAt: string; orderId: string };
}

/** The read side: the read models the projector builds (`orders`, `customer_stats`, `sku_sales`). */
export interface OrderReadModel {
  get(orderId: string): Promise<OrderView | null>;
  /** The orders among `orderIds` that exist, in one read (for minVersion waits). */
  getMany(orderIds: readonly string[]): Promise<Map<string, OrderView>>;
  list(query: ListOrdersQuery): Promise<OrderPage>;
  /** A customer's order counts by status and total spent; null before their first order. */
  customerStats(customerId: string): Promise<CustomerStats | null>;
  /** A SKU's units sold and revenue on completed orders; null before its first sale. */
  skuSales(sku: string): Promise<SkuSales | null>;
  /** The `limit` SKUs with the most revenue, most first (ties by SKU). */
  topSkuSales(limit: number): Promise<SkuSales[]>;
}

export interface CatalogEntryInput {
  name: string;
  /** Minor units (cents). */
  unitPrice: number;
  available: number;
}

export interface CatalogEntry extends CatalogEntryInput {
  sku: string;
  updatedAt?: string;
}

export interface Catalog {
  /** Creates or replaces an entry; `created` tells which, for 201 versus 200. */
  upsert(sku: string, entry: CatalogEntryInput): Promise<{ entry: CatalogEntry; created: boolean }>;
  get(sku: string): Promise<CatalogEntry | null>;
}

export type ReservationResult =
  /** This request won the key: it must start the order. */
  | { kind: 'reserved'; orderId: string }
  /** The key was already taken with the same body: answer with the first order. */
  | { kind: 'repeat'; orderId: string }
  /** The key was already taken with a different body. */
  | { kind: 'conflict' };

export interface IdempotencyStore {
  /**
   * Atomically claims `key` for `bodyHash`, proposing `orderId`. Any number of concurrent
   * calls with one key see exactly one `reserved`; all the others see the winner's orderId.
   */
  reserve(key: string, bodyHash: string, orderId: string): Promise<ReservationResult>;
  /**
   * Frees `key` if it is still reserved for `orderId`: the request that reserved it was refused
   * before its order started, so a later retry with the key is judged afresh.
   */
  release(key: string, orderId: string): Promise<void>;
}

/**
 * `claimed`: this delivery processes the id. `processed`: an earlier delivery of it succeeded.
 * `processing`: another delivery of it is under way right now (its outcome is not known yet).
 */
export type WebhookClaim = 'claimed' | 'processed' | 'processing';

/**
 * The ids of payment webhooks, kept durably so a repeated delivery (a provider's retry, or a
 * replay within the signature's time tolerance) is answered as already processed, across
 * restarts and API instances.
 */
export interface ProcessedWebhooks {
  /**
   * Atomically takes `id`: exactly one of any number of concurrent claims sees `claimed`. A
   * claim left `processing` longer than a request can take (its process died) is taken over.
   */
  claim(id: string): Promise<WebhookClaim>;
  /** The delivery succeeded: later deliveries of `id` are `processed`. */
  complete(id: string): Promise<void>;
  /** The delivery failed: the id is free again, so the provider's retry is processed. */
  release(id: string): Promise<void>;
}

/**
 * Hit counters for rate limiting in fixed windows. A store all API instances share (MongoDB)
 * makes a limit hold for the whole deployment, not per instance.
 */
export interface RateLimitCounters {
  /** Counts one hit of `key` in the window starting at `windowStart` (epoch ms); returns its hits. */
  hit(key: string, windowStart: number, windowMs: number): Promise<number>;
  /** Takes one hit back. */
  unhit(key: string, windowStart: number): Promise<void>;
  /** Forgets the window. */
  reset(key: string, windowStart: number): Promise<void>;
}

export interface ProbeResult {
  name: DependencyName;
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  check(): Promise<ProbeResult[]>;
}

/** Everything createApp needs; no module-level clients anywhere in api/. */
export interface ApiPorts {
  commands: OrderCommands;
  readModel: OrderReadModel;
  catalog: Catalog;
  idempotency: IdempotencyStore;
  readiness: Readiness;
  webhooks: ProcessedWebhooks;
}
