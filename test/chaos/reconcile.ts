// The final reconciliation of a chaos scenario: after the fault, every store must tell the same
// story about every order. The checks are pure (unit-tested in reconcile.unit.test.ts); the
// facts come from the servers via ./snapshot.ts.

export const FINAL_STATUSES = ['COMPLETED', 'CANCELLED', 'COMPENSATION_FAILED'] as const;

export interface ViewFacts {
  orderId: string;
  status: string;
  items: readonly { sku: string; quantity: number }[];
  version: number;
  timeline: readonly { sequence: number; type: string }[];
  /** Placed and last-event times (reports only; not checked). */
  createdAt?: string;
  updatedAt?: string;
}
export interface PaymentFacts {
  orderId: string;
  status: string;
}
export interface ReservationFacts {
  orderId: string;
  status: string;
  /** The lines the reservation is for, one per SKU. */
  lines: readonly { sku: string; quantity: number }[];
  /** SKUs whose take is recorded and not given back yet. */
  taken: readonly string[];
}
export interface StockFacts {
  sku: string;
  /** Units seeded before the scenario. */
  initial: number;
  available: number;
  /** Hold/release markers still on the SKU (a reservation step left half-done). */
  markers: number;
}
export interface EventFacts {
  id: string;
  orderId: string;
  sequence: number;
  type: string;
}

export interface ReconcileInput {
  /** Order ids the API answered 202 for (repeats allowed: idempotent submissions). */
  accepted: readonly string[];
  views: readonly ViewFacts[];
  payments: readonly PaymentFacts[];
  reservations: readonly ReservationFacts[];
  stock: readonly StockFacts[];
  events: readonly EventFacts[];
  /** The final status each accepted order must reach, when the scenario knows it. */
  expectedStatus?: ReadonlyMap<string, string>;
}

export interface ReconcileCounts {
  accepted: number;
  completed: number;
  cancelled: number;
  compensationFailed: number;
  notFinal: number;
  /** Orders that exist in the read model for these SKUs but were never answered 202. */
  unacknowledged: number;
  events: number;
  /** Messages on the topic that repeat an event id (at-least-once publishing, harmless). */
  redelivered: number;
  captures: number;
  refunds: number;
  unitsSold: number;
}

/** One SKU's stock as each source tells it (printed; the checks compare them). */
export interface StockLine {
  sku: string;
  initial: number;
  available: number;
  /** Units of its reservations that are RESERVED (the ledger). */
  reserved: number;
  /** Units of its completed orders. */
  sold: number;
}

export interface ReconcileReport {
  counts: ReconcileCounts;
  stock: StockLine[];
  violations: string[];
}

const OPEN_PAYMENT = new Set(['PENDING', 'AUTHORIZED', 'REQUIRES_CONFIRMATION']);
const CHARGED = new Set(['CAPTURED', 'REFUNDED']);

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of list) {
    const k = key(item);
    const group = out.get(k);
    if (group) group.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Duplicate values of a list, each once. */
export function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** Whether the sorted distinct sequences are exactly 1..n. */
export const isContiguous = (sequences: readonly number[]): boolean =>
  [...new Set(sequences)].sort((a, b) => a - b).every((s, i) => s === i + 1);

/** Checks of one order's read model against its events on the topic. */
export function checkTimeline(view: ViewFacts, events: readonly EventFacts[]): string[] {
  const problems: string[] = [];
  const id = view.orderId;
  const seqs = view.timeline.map((t) => t.sequence);
  const dupSeqs = duplicates(seqs);
  if (dupSeqs.length > 0)
    problems.push(`${id}: event(s) ${dupSeqs.join(',')} twice in the read model's timeline`);
  if (!isContiguous(seqs) || new Set(seqs).size !== view.version)
    problems.push(`${id}: timeline ${seqs.join(',')} is not 1..${view.version}`);
  const byId = groupBy(events, (e) => e.id);
  for (const [eventId, copies] of byId) {
    if (new Set(copies.map((c) => `${c.sequence}:${c.type}`)).size > 1)
      problems.push(`${id}: event id ${eventId} carries different content on the topic`);
  }
  const topicSeqs = events.map((e) => e.sequence);
  if (!isContiguous(topicSeqs)) problems.push(`${id}: topic sequences have a gap`);
  const topicMax = Math.max(0, ...topicSeqs);
  if (topicMax !== view.version)
    problems.push(`${id}: read model at v${view.version}, topic at v${topicMax}`);
  const finalEvent = { COMPLETED: 'OrderCompleted', CANCELLED: 'OrderCancelled' }[
    view.status as 'COMPLETED' | 'CANCELLED'
  ];
  if (finalEvent && !events.some((e) => e.type === finalEvent))
    problems.push(`${id}: ${view.status} but no ${finalEvent} on the topic`);
  return problems;
}

/** Checks of one final order against the payments ledger and the inventory's reservations. */
export function checkServices(
  view: ViewFacts,
  payments: readonly PaymentFacts[],
  reservations: readonly ReservationFacts[],
  events: readonly EventFacts[],
): string[] {
  const problems: string[] = [];
  const id = view.orderId;
  const charged = payments.filter((p) => CHARGED.has(p.status)).length;
  const captured = payments.filter((p) => p.status === 'CAPTURED').length;
  const captureEvents = new Set(
    events.filter((e) => e.type === 'PaymentCaptured').map((e) => e.id),
  );
  if (charged > 1) problems.push(`${id}: charged ${charged} times`);
  if (captureEvents.size > 1) problems.push(`${id}: ${captureEvents.size} PaymentCaptured events`);
  if (payments.some((p) => OPEN_PAYMENT.has(p.status)))
    problems.push(`${id}: ${view.status} with a payment still open`);
  const reserved = reservations.filter((r) => r.status === 'RESERVED').length;
  if (view.status === 'COMPLETED') {
    if (captured !== 1) problems.push(`${id}: COMPLETED with ${captured} captures`);
    if (captureEvents.size !== 1) problems.push(`${id}: COMPLETED without a PaymentCaptured event`);
    if (reserved !== 1) problems.push(`${id}: COMPLETED with ${reserved} held reservations`);
  }
  if (view.status === 'CANCELLED') {
    if (captured > 0) problems.push(`${id}: CANCELLED but still captured`);
    if (reserved > 0) problems.push(`${id}: CANCELLED but its stock is still reserved`);
  }
  return problems;
}

const unitsOf = (items: readonly { sku: string; quantity: number }[], sku: string): number =>
  items.filter((i) => i.sku === sku).reduce((n, i) => n + i.quantity, 0);

/** Units of `sku` in completed orders. */
export const unitsSold = (views: readonly ViewFacts[], sku: string): number =>
  views.filter((v) => v.status === 'COMPLETED').reduce((n, v) => n + unitsOf(v.items, sku), 0);

/** Units of `sku` that the reservation ledger holds (RESERVED, hence neither FAILED nor RELEASED). */
export const unitsReserved = (reservations: readonly ReservationFacts[], sku: string): number =>
  reservations
    .filter((r) => r.status === 'RESERVED')
    .reduce((n, r) => n + unitsOf(r.lines, sku), 0);

/** Stock of each SKU = seeded − units of completed orders. */
export function checkStock(stock: readonly StockFacts[], views: readonly ViewFacts[]): string[] {
  return stock.flatMap((s) => {
    const sold = unitsSold(views, s.sku);
    return s.available === s.initial - sold
      ? []
      : [`${s.sku}: ${s.available} available, expected ${s.initial} - ${sold} sold`];
  });
}

/**
 * Stock of each SKU against its reservation ledger: seeded − units RESERVED = available, no
 * hold/release markers left, and no reservation whose status disagrees with what it records as
 * taken (a take or a give-back left half-done). Orders do not enter here, so this also catches
 * stock that drifted while every order looks right.
 */
export function checkLedger(
  stock: readonly StockFacts[],
  reservations: readonly ReservationFacts[],
): string[] {
  const problems: string[] = [];
  for (const s of stock) {
    const own = reservations.filter((r) => r.lines.some((l) => l.sku === s.sku));
    const reserved = unitsReserved(own, s.sku);
    if (s.available !== s.initial - reserved) {
      const released = own.filter((r) => r.status === 'RELEASED').length;
      const failed = own.filter((r) => r.status === 'FAILED').length;
      problems.push(
        `${s.sku}: ${s.available} available, ledger says ${s.initial} - ${reserved} reserved ` +
          `(${own.length} reservations: ${released} released, ${failed} failed)`,
      );
    }
    if (s.markers > 0) problems.push(`${s.sku}: ${s.markers} reservation marker(s) left`);
    for (const r of own) {
      const taken = r.taken.includes(s.sku);
      if (r.status === 'RESERVED' && !taken)
        problems.push(`${r.orderId}: reservation RESERVED but ${s.sku} not recorded as taken`);
      else if (r.status !== 'RESERVED' && taken)
        problems.push(
          `${r.orderId}: reservation ${r.status} with ${s.sku} still recorded as taken`,
        );
    }
  }
  return problems;
}

export function reconcile(input: ReconcileInput): ReconcileReport {
  const accepted = [...new Set(input.accepted)];
  const views = new Map(input.views.map((v) => [v.orderId, v]));
  const payments = groupBy(input.payments, (p) => p.orderId);
  const reservations = groupBy(input.reservations, (r) => r.orderId);
  const events = groupBy(input.events, (e) => e.orderId);
  const skus = new Set(input.stock.map((s) => s.sku));
  const scenarioViews = input.views.filter((v) => v.items.some((i) => skus.has(i.sku)));
  const violations: string[] = [];
  const counts: ReconcileCounts = {
    accepted: accepted.length,
    completed: 0,
    cancelled: 0,
    compensationFailed: 0,
    notFinal: 0,
    unacknowledged: scenarioViews.filter((v) => !accepted.includes(v.orderId)).length,
    events: 0,
    redelivered: 0,
    captures: 0,
    refunds: 0,
    unitsSold: 0,
  };
  for (const id of accepted) {
    const view = views.get(id);
    const own = events.get(id) ?? [];
    const pays = payments.get(id) ?? [];
    counts.events += new Set(own.map((e) => e.id)).size;
    counts.redelivered += own.length - new Set(own.map((e) => e.id)).size;
    counts.captures += pays.filter((p) => p.status === 'CAPTURED').length;
    counts.refunds += pays.filter((p) => p.status === 'REFUNDED').length;
    if (!view) {
      counts.notFinal += 1;
      violations.push(`${id}: accepted but not in the read model`);
      continue;
    }
    const expected = input.expectedStatus?.get(id);
    if (expected && FINAL_STATUSES.some((f) => f === view.status) && view.status !== expected)
      violations.push(`${id}: ${view.status}, expected ${expected}`);
    if (view.status === 'COMPLETED') {
      counts.completed += 1;
      counts.unitsSold += view.items.reduce((n, i) => n + i.quantity, 0);
    } else if (view.status === 'CANCELLED') counts.cancelled += 1;
    else if (view.status === 'COMPENSATION_FAILED') {
      counts.compensationFailed += 1;
      violations.push(`${id}: COMPENSATION_FAILED`);
    } else {
      counts.notFinal += 1;
      violations.push(`${id}: still ${view.status} (v${view.version})`);
      continue;
    }
    violations.push(...checkTimeline(view, own));
    violations.push(...checkServices(view, pays, reservations.get(id) ?? [], own));
  }
  violations.push(...checkStock(input.stock, scenarioViews));
  violations.push(...checkLedger(input.stock, input.reservations));
  const stock = input.stock.map((s) => ({
    sku: s.sku,
    initial: s.initial,
    available: s.available,
    reserved: unitsReserved(input.reservations, s.sku),
    sold: unitsSold(scenarioViews, s.sku),
  }));
  return { counts, stock, violations };
}

export function formatReport(scenario: string, report: ReconcileReport): string {
  const c = report.counts;
  const lines = [
    `reconciliation [${scenario}]: accepted ${c.accepted}, completed ${c.completed}, cancelled ${c.cancelled}, ` +
      `compensation failed ${c.compensationFailed}, not final ${c.notFinal}, unacknowledged ${c.unacknowledged}; ` +
      `events ${c.events} (+${c.redelivered} redelivered), captures ${c.captures}, refunds ${c.refunds}, ` +
      `units sold ${c.unitsSold}; violations ${report.violations.length}`,
    `  stock: ${report.stock.map((s) => `${s.sku} ${s.available}/${s.initial} (reserved ${s.reserved}, sold ${s.sold})`).join('; ')}`,
    ...report.violations.slice(0, 20).map((v) => `  - ${v}`),
  ];
  return lines.join('\n');
}
