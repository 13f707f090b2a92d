import type { Collection, Db } from 'mongodb';
import type { OrderItemRequest } from '../../contracts/order';
import { ignoreDuplicateKey } from '../../lib/mongo-duplicate-key';
import {
  createLeases,
  type Lease,
  type LeaseHolder,
  type LockOptions,
} from '../shared/document-lock';
import { CATALOG_COLLECTION, type CatalogDoc } from './catalog';
import { OutOfStockError, ReservationReleasedError } from './errors';
import { planReservation } from './reservation-plan';
import type { ReservationLine } from './reservation-plan';

// The inventory service's stock reservations, in its own database: the `reservations`
// collection, and stock taken from and given back to the SKU documents of the catalog
// (./catalog.ts, which support administers). No multi-document transactions (the local
// MongoDB-wire server has none, and a saga step should not need one), so every step is a
// single-document conditional write, which MongoDB and FerretDB 2 apply atomically:
//
//  * Taking a line is ONE write on the SKU: `{_id: sku, available >= q, holds != R}` →
//    `$inc: {available: -q}, $push: {holds: R}`. Orders racing for the last unit cannot both
//    match, with no lock: the condition and the decrement are one atomic update. The hold marker
//    `R` (the reservation id) makes the write idempotent: an attempt that finds it knows an
//    earlier attempt took the line.
//  * Settling is ONE write on the reservation (`_id` = R, the idempotency key, so unique):
//    RESERVED with every line in `taken`. The hold markers are then cleared (a marker of a
//    line recorded in `taken` says nothing more; a retry clears what a crash left), so SKU
//    documents do not grow with every order.
//  * Giving a line back is ONE write too: `{_id: sku, releases != R}` → `$inc: +q,
//    $push: {releases: R}, $pull: {holds: R}` (for a line not recorded as taken, only where its
//    hold marker shows the take happened). Then the reservation records `taken: []`, and only
//    after that are the `releases` markers cleared, so a retry can never give a line back twice.
//  * Out of stock, the reservation is settled FAILED before anything is given back: no later
//    attempt takes its lines again.
//
// A crash between any two writes is repaired by the next attempt, which starts from what the
// reservation and the markers say. What no single-document condition can cover is two attempts
// of the SAME reservation at once (a timed-out attempt still running beside its retry, or a
// release racing a late reserve): one could read the reservation before the other settled and,
// the marker being cleared by then, take the line again. So each reservation's attempts run one
// at a time under a lease (../shared/document-lock.ts) kept IN the reservation document: a
// first attempt takes it with the insert that creates the reservation, and the settling write
// gives it back, so the lease costs no round trip of its own on the usual path (four writes for
// a one-line reservation: create, take, settle, clear the marker). Distinct orders never share a
// lease, so it never makes them wait.

export const RESERVATIONS_COLLECTION = 'reservations';

/** A catalog document with the markers of reservations in flight. */
interface StockDoc extends CatalogDoc {
  /** Reservations whose take of this line may not yet be recorded on the reservation. */
  holds?: string[];
  /** Reservations whose give-back of this line is done but not yet recorded (`taken: []`). */
  releases?: string[];
}

type ReservationStatus = 'PENDING' | 'RESERVED' | 'FAILED' | 'RELEASED';
interface ReservationDoc {
  _id: string;
  orderId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  /** Lines taken and not given back; set when the reservation settles. */
  taken: string[];
  /** FAILED: the line that was out of stock (the repeated answer). */
  failedSku?: string;
  /** RELEASED: whether stock was actually given back (the repeated answer). */
  released?: boolean;
  createdAt: Date;
  /** The attempt that may change it now (../shared/document-lock.ts). */
  lease?: { owner: string; expiresAt: Date };
}

export interface ReservationStore {
  /** All lines or none; same id again → same answer. Throws OutOfStockError. */
  reserve(
    reservationId: string,
    orderId: string,
    items: readonly OrderItemRequest[],
  ): Promise<{ reservationId: string; items: ReservationLine[] }>;
  /** Gives the taken lines back; tolerates a reservation that never happened. */
  release(reservationId: string, orderId: string): Promise<{ released: boolean }>;
}

export function createMongoReservationStore(
  db: Db,
  now: () => Date = () => new Date(),
  lockOptions?: LockOptions,
): ReservationStore {
  const ctx: Stores = {
    catalog: db.collection(CATALOG_COLLECTION),
    reservations: db.collection(RESERVATIONS_COLLECTION),
  };
  const leases = createLeases(lockOptions);
  const fresh = (id: string, orderId: string, rest: Partial<ReservationDoc>): ReservationDoc => ({
    _id: id,
    orderId,
    status: 'PENDING',
    lines: [],
    taken: [],
    createdAt: now(),
    ...rest,
  });
  return {
    reserve: (id, orderId, items) =>
      leases.with(
        `reservation:${id}`,
        // Usually the first attempt: the insert that creates the reservation takes the lease.
        leaseIn(ctx, id, 'create-first', () =>
          fresh(id, orderId, { lines: planReservation(items) }),
        ),
        (lease) => reserveHeld(ctx, lease),
      ),
    release: (id, orderId) =>
      leases.with(
        `reservation:${id}`,
        // A release that comes first leaves a tombstone, so a late reservation does nothing.
        leaseIn(ctx, id, 'existing-first', () =>
          fresh(id, orderId, { status: 'RELEASED', released: false }),
        ),
        (lease) => releaseHeld(ctx, lease),
      ),
  };
}

/** The two collections a reservation writes. */
interface Stores {
  catalog: Collection<StockDoc>;
  reservations: Collection<ReservationDoc>;
}

/**
 * The lease of reservation `id`, in its own document: taken by creating the document (`create`)
 * or by a conditional update of an existing one whose lease is free or expired.
 */
function leaseIn(
  { reservations }: Stores,
  id: string,
  order: 'create-first' | 'existing-first',
  create: () => ReservationDoc,
): LeaseHolder<ReservationDoc> {
  const insert = async (owner: string, expiresAt: Date) => {
    const doc: ReservationDoc = { ...create(), lease: { owner, expiresAt } };
    return (await ignoreDuplicateKey(() => reservations.insertOne(doc))) ? doc : undefined;
  };
  const update = async (owner: string, expiresAt: Date) =>
    (await reservations.findOneAndUpdate(
      { _id: id, $or: [{ lease: { $exists: false } }, { 'lease.expiresAt': { $lt: new Date() } }] },
      { $set: { lease: { owner, expiresAt } } },
      { returnDocument: 'after' },
    )) ?? undefined;
  const [first, second] = order === 'create-first' ? [insert, update] : [update, insert];
  return {
    // Neither write matching: the document exists and a live attempt holds its lease.
    take: async (owner, expiresAt) =>
      (await first(owner, expiresAt)) ?? (await second(owner, expiresAt)),
    renew: (owner, expiresAt) =>
      reservations.updateOne(
        { _id: id, 'lease.owner': owner },
        { $set: { 'lease.expiresAt': expiresAt } },
      ),
    give: (owner) =>
      reservations.updateOne({ _id: id, 'lease.owner': owner }, { $unset: { lease: '' } }),
  };
}

/** The reservation's own writes while leased: matched only while `lease` is still ours. */
const ours = (lease: Lease<ReservationDoc>) => ({
  _id: lease.held._id,
  'lease.owner': lease.owner,
});

/** Retryable: the lease expired under this attempt and another took over; the retry finishes. */
const leaseLost = (id: string) =>
  new Error(`reservation ${id}: lease lost to another attempt; retry`);

async function reserveHeld(
  ctx: Stores,
  lease: Lease<ReservationDoc>,
): Promise<{ reservationId: string; items: ReservationLine[] }> {
  const doc = lease.held;
  switch (doc.status) {
    case 'PENDING':
      return takeAllOrNothing(ctx, lease);
    case 'RESERVED':
      await clearHoldMarkers(ctx, doc); // what a crash after settling may have left
      return { reservationId: doc._id, items: doc.lines };
    case 'FAILED':
      await restoreAll(ctx, lease, doc); // finishes a give-back a crash cut short
      throw new OutOfStockError(doc.failedSku ?? 'unknown');
    case 'RELEASED':
      await restoreAll(ctx, lease, doc);
      throw new ReservationReleasedError(doc._id);
  }
}

/** Takes every line of a pending reservation, or settles it FAILED and gives back what it took. */
async function takeAllOrNothing(
  ctx: Stores,
  lease: Lease<ReservationDoc>,
): Promise<{ reservationId: string; items: ReservationLine[] }> {
  const doc = lease.held;
  const taken = [...doc.taken];
  for (const line of doc.lines) {
    if (taken.includes(line.sku)) continue;
    if (!(await take(ctx, doc._id, line))) {
      // Settled before anything is given back, so no later attempt takes these lines again.
      const failed = await ctx.reservations.findOneAndUpdate(
        { ...ours(lease), status: 'PENDING' },
        { $set: { status: 'FAILED', failedSku: line.sku, taken } },
        { returnDocument: 'after' },
      );
      if (!failed) throw leaseLost(doc._id);
      await restoreAll(ctx, lease, failed);
      throw new OutOfStockError(line.sku);
    }
    taken.push(line.sku);
  }
  // Settles and gives the lease back, in one write.
  const settled = await ctx.reservations.updateOne(
    { ...ours(lease), status: 'PENDING' },
    { $set: { status: 'RESERVED', taken }, $unset: { lease: '' } },
  );
  if (settled.matchedCount === 0) throw leaseLost(doc._id);
  lease.givenBack();
  await clearHoldMarkers(ctx, doc);
  return { reservationId: doc._id, items: doc.lines };
}

/** Takes one line, idempotently: false when it is out of stock. */
async function take(ctx: Stores, id: string, line: ReservationLine): Promise<boolean> {
  const { modifiedCount } = await ctx.catalog.updateOne(
    { _id: line.sku, available: { $gte: line.quantity }, holds: { $ne: id } },
    { $inc: { available: -line.quantity }, $push: { holds: id } },
  );
  // Not taken now: our marker means an earlier attempt took it and stopped before settling.
  return modifiedCount === 1 || (await holdsMarker(ctx, id, line.sku));
}

async function holdsMarker({ catalog }: Stores, id: string, sku: string): Promise<boolean> {
  const doc = await catalog.findOne({ _id: sku }, { projection: { holds: 1 } });
  return doc?.holds?.includes(id) === true;
}

/** Clears the hold markers of a RESERVED reservation: its `taken` records every line. */
async function clearHoldMarkers({ catalog }: Stores, doc: ReservationDoc): Promise<void> {
  for (const line of doc.lines)
    await catalog.updateOne({ _id: line.sku, holds: doc._id }, { $pull: { holds: doc._id } });
}

/**
 * Gives back every line a settled (FAILED or RELEASED) reservation took, once, records that it
 * holds nothing, gives the lease back, then clears its `releases` markers. Idempotent: a retry
 * after a crash anywhere in it gives nothing back twice (see the top of this file).
 */
async function restoreAll(
  ctx: Stores,
  lease: Lease<ReservationDoc>,
  doc: ReservationDoc,
): Promise<void> {
  const id = doc._id;
  for (const line of doc.lines) {
    // A line not recorded as taken was taken only if its hold marker says so.
    const takenUnrecorded = doc.taken.includes(line.sku) ? {} : { holds: id };
    await ctx.catalog.updateOne(
      { _id: line.sku, releases: { $ne: id }, ...takenUnrecorded },
      { $inc: { available: line.quantity }, $push: { releases: id }, $pull: { holds: id } },
    );
  }
  const recorded = await ctx.reservations.updateOne(ours(lease), {
    $set: { taken: [] },
    $unset: { lease: '' },
  });
  // Clearing the `releases` markers before `taken: []` is recorded could give a line back twice.
  if (recorded.matchedCount === 0) throw leaseLost(id);
  lease.givenBack();
  for (const line of doc.lines)
    await ctx.catalog.updateOne({ _id: line.sku, releases: id }, { $pull: { releases: id } });
}

async function releaseHeld(
  ctx: Stores,
  lease: Lease<ReservationDoc>,
): Promise<{ released: boolean }> {
  let doc = lease.held;
  if (doc.status !== 'RELEASED') {
    const wasTaken = doc.status === 'RESERVED' || doc.taken.length > 0;
    const released = await ctx.reservations.findOneAndUpdate(
      ours(lease),
      { $set: { status: 'RELEASED', released: wasTaken } },
      { returnDocument: 'after' },
    );
    if (!released) throw leaseLost(doc._id);
    doc = released;
  }
  await restoreAll(ctx, lease, doc); // also finishes a release that crashed half-way
  return { released: doc.released ?? false };
}
