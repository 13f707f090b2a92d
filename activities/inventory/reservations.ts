import type { Collection, Db } from 'mongodb';
import type { OrderItemRequest } from '../../contracts/order';
import { ignoreDuplicateKey } from '../../lib/mongo-duplicate-key';
import { createDocumentLock, type LockOptions } from '../shared/document-lock';
import { CATALOG_COLLECTION, type CatalogDoc } from './catalog';
import { OutOfStockError, ReservationReleasedError } from './errors';
import { linesToRestore, planReservation } from './reservation-plan';
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
//    `R` (the reservation id) makes the write idempotent and lets it be undone exactly once
//    (`{_id: sku, holds: R}` → `$inc: +q, $pull: {holds: R}`).
//  * The reservation document (`_id` = R, the idempotency key, so unique) then records the line
//    as `taken` and the SKU's marker is cleared; markers only live while a reservation is in
//    flight, so SKU documents do not grow with every order (a retry clears the markers of lines
//    an earlier attempt recorded but did not get to clear).
//  * Giving a taken line back is symmetric, with a `releases` marker.
//
// A crash between any two writes is repaired by the next attempt, which reads both documents.
// What no single-document condition can cover is two attempts of the SAME reservation at once
// (a timed-out attempt still running beside its retry, or a release racing a late reserve):
// one could read the reservation before the other recorded its take and, the marker being
// cleared by then, take the line again. So each reservation's attempts run one at a time under
// a lease lock keyed by the reservation id (../shared/document-lock.ts). Distinct orders never
// share that key, so it never makes them wait: it costs two writes per reserve or release.

export const RESERVATIONS_COLLECTION = 'reservations';

/** A catalog document with the markers of reservations in flight. */
interface StockDoc extends CatalogDoc {
  /** Reservations whose take of this line is not yet recorded on the reservation. */
  holds?: string[];
  /** Reservations whose give-back of this line is not yet recorded on the reservation. */
  releases?: string[];
}

type ReservationStatus = 'PENDING' | 'RESERVED' | 'FAILED' | 'RELEASED';
interface ReservationDoc {
  _id: string;
  orderId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  taken: string[];
  /** FAILED: the line that was out of stock (the repeated answer). */
  failedSku?: string;
  /** RELEASED: whether stock was actually given back (the repeated answer). */
  released?: boolean;
  createdAt: Date;
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
    now,
  };
  const lock = createDocumentLock(db, lockOptions);
  const oneAttemptAtATime = <T>(id: string, run: () => Promise<T>) =>
    lock.with(`reservation:${id}`, run);
  return {
    reserve: (id, orderId, items) =>
      oneAttemptAtATime(id, () => reserveNow(ctx, id, orderId, items)),
    release: (id, orderId) => oneAttemptAtATime(id, () => releaseNow(ctx, id, orderId)),
  };
}

/** The two collections a reservation writes, and the clock of its `createdAt`. */
interface Stores {
  catalog: Collection<StockDoc>;
  reservations: Collection<ReservationDoc>;
  now: () => Date;
}

type TakeOutcome = 'taken' | 'out-of-stock' | 'settled';

async function load({ reservations }: Stores, id: string): Promise<ReservationDoc> {
  const doc = await reservations.findOne({ _id: id });
  if (!doc) throw new Error(`reservation ${id} vanished`); // retryable: should never happen
  return doc;
}

/**
 * Takes one line (idempotent): `taken`, `out-of-stock`, or `settled` when the reservation is no
 * longer pending (it was released). Runs under the reservation's lock, so `taken` (what the
 * reservation records, read when this attempt began) is current: only this attempt changes it.
 */
async function take(
  ctx: Stores,
  id: string,
  line: ReservationLine,
  taken: readonly string[],
): Promise<TakeOutcome> {
  if (taken.includes(line.sku)) {
    await clearHoldMarker(ctx, id, line.sku); // left by an attempt that stopped after recording
    return 'taken';
  }
  const { modifiedCount } = await ctx.catalog.updateOne(
    { _id: line.sku, available: { $gte: line.quantity }, holds: { $ne: id } },
    { $inc: { available: -line.quantity }, $push: { holds: id } },
  );
  // Our marker without a record: an earlier attempt took it and stopped; record it now.
  if (modifiedCount === 0 && !(await holdsMarker(ctx, id, line.sku))) return 'out-of-stock';
  const recorded = await ctx.reservations.updateOne(
    { _id: id, status: 'PENDING' },
    { $addToSet: { taken: line.sku } },
  );
  if (recorded.matchedCount === 0) {
    // Released meanwhile (only if a lease outlived its holder): undo our own take at once.
    await undoTake(ctx, id, line);
    return 'settled';
  }
  await clearHoldMarker(ctx, id, line.sku);
  return 'taken';
}

async function holdsMarker({ catalog }: Stores, id: string, sku: string): Promise<boolean> {
  const doc = await catalog.findOne({ _id: sku }, { projection: { holds: 1 } });
  return doc?.holds?.includes(id) === true;
}

/** Gives back a take still marked on the SKU (and clears its marker), once. */
const undoTake = ({ catalog }: Stores, id: string, line: ReservationLine) =>
  catalog.updateOne(
    { _id: line.sku, holds: id },
    { $inc: { available: line.quantity }, $pull: { holds: id } },
  );

const clearHoldMarker = ({ catalog }: Stores, id: string, sku: string) =>
  catalog.updateOne({ _id: sku, holds: id }, { $pull: { holds: id } });

const clearReleaseMarker = ({ catalog }: Stores, id: string, sku: string) =>
  catalog.updateOne({ _id: sku, releases: id }, { $pull: { releases: id } });

/** Gives one taken line back (idempotent; under the reservation's lock). */
async function restore(ctx: Stores, id: string, line: ReservationLine): Promise<void> {
  if (await holdsMarker(ctx, id, line.sku)) {
    // Taken but never recorded as such (a crash between the writes): undo the take itself.
    await undoTake(ctx, id, line);
  } else {
    await ctx.catalog.updateOne(
      { _id: line.sku, releases: { $ne: id } },
      { $inc: { available: line.quantity }, $push: { releases: id } },
    );
  }
  await ctx.reservations.updateOne({ _id: id }, { $pull: { taken: line.sku } });
  await clearReleaseMarker(ctx, id, line.sku);
}

async function restoreAll(ctx: Stores, doc: ReservationDoc): Promise<void> {
  for (const line of linesToRestore(doc.lines, doc.taken)) await restore(ctx, doc._id, line);
  // Clears a `releases` marker left by a crash after its line was recorded as given back.
  for (const line of doc.lines) await clearReleaseMarker(ctx, doc._id, line.sku);
}

async function reserveNow(
  ctx: Stores,
  id: string,
  orderId: string,
  items: readonly OrderItemRequest[],
): Promise<{ reservationId: string; items: ReservationLine[] }> {
  let doc = await openReservation(ctx, id, orderId, items);
  if (doc.status === 'PENDING') doc = await takeAllOrNothing(ctx, doc);
  switch (doc.status) {
    case 'RESERVED':
      return { reservationId: id, items: doc.lines };
    case 'FAILED':
      throw new OutOfStockError(doc.failedSku ?? 'unknown');
    case 'RELEASED':
      throw new ReservationReleasedError(id);
    case 'PENDING':
      throw new Error(`reservation ${id} is still pending`); // retryable
  }
}

/** The reservation, created or found as an earlier attempt left it, in one round trip. */
async function openReservation(
  ctx: Stores,
  id: string,
  orderId: string,
  items: readonly OrderItemRequest[],
): Promise<ReservationDoc> {
  const created = await ignoreDuplicateKey(() =>
    ctx.reservations.findOneAndUpdate(
      { _id: id },
      {
        $setOnInsert: {
          orderId,
          status: 'PENDING',
          lines: planReservation(items),
          taken: [],
          createdAt: ctx.now(),
        },
      },
      { upsert: true, returnDocument: 'after' },
    ),
  );
  return created ?? (await load(ctx, id));
}

/** Takes every line of a pending reservation, or gives back what it took; returns it settled. */
async function takeAllOrNothing(ctx: Stores, doc: ReservationDoc): Promise<ReservationDoc> {
  const id = doc._id;
  // Every line, taken ones included: take() clears a marker an earlier attempt left.
  let outcome: TakeOutcome = 'taken';
  let outOfStock: string | undefined;
  for (const line of doc.lines) {
    outcome = await take(ctx, id, line, doc.taken);
    if (outcome === 'out-of-stock') outOfStock = line.sku;
    if (outcome !== 'taken') break;
  }
  const final = outOfStock
    ? { status: 'FAILED' as const, failedSku: outOfStock }
    : { status: 'RESERVED' as const };
  if (outOfStock) await restoreAll(ctx, await load(ctx, id)); // all or nothing
  const settled =
    outcome !== 'settled' &&
    (await ctx.reservations.updateOne({ _id: id, status: 'PENDING' }, { $set: final }))
      .matchedCount === 1;
  // What we wrote is what is stored; otherwise another attempt settled it: read that.
  return settled ? { ...doc, ...final } : await load(ctx, id);
}

async function releaseNow(
  ctx: Stores,
  id: string,
  orderId: string,
): Promise<{ released: boolean }> {
  // A release that comes first leaves a tombstone, so a late reservation does nothing.
  await ignoreDuplicateKey(() =>
    ctx.reservations.updateOne(
      { _id: id },
      {
        $setOnInsert: {
          orderId,
          status: 'RELEASED',
          released: false,
          lines: [],
          taken: [],
          createdAt: ctx.now(),
        },
      },
      { upsert: true },
    ),
  );
  let released = await load(ctx, id);
  // Compare-and-set on the status read, retried if a late attempt changed it meanwhile.
  for (let tries = 0; released.status !== 'RELEASED'; tries++) {
    if (tries >= 5) throw new Error(`reservation ${id} keeps changing; retry`);
    const wasTaken = released.status === 'RESERVED' || released.taken.length > 0;
    await ctx.reservations.updateOne(
      { _id: id, status: released.status },
      { $set: { status: 'RELEASED', released: wasTaken } },
    );
    released = await load(ctx, id);
  }
  await restoreAll(ctx, released); // also finishes a release that crashed half-way
  return { released: released.released ?? false };
}
