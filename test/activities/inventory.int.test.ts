import type { Db } from 'mongodb';
import { createInventoryActivities } from '../../activities/inventory/activities';
import { createMongoCatalogStore, CATALOG_COLLECTION } from '../../activities/inventory/catalog';
import type { CatalogStore } from '../../activities/inventory/catalog';
import {
  createMongoReservationStore,
  RESERVATIONS_COLLECTION,
} from '../../activities/inventory/reservations';
import type { ReservationStore } from '../../activities/inventory/reservations';
import { LOCKS_COLLECTION } from '../../activities/shared/document-lock';
import { openTestDb, type TestDb } from './mongo-test-db';

jest.setTimeout(30_000);

let db: Db;
let close: () => Promise<void>;
let commandsOf: TestDb['commandsOf'];
let catalog: CatalogStore;
let reservations: ReservationStore;
let activities: ReturnType<typeof createInventoryActivities>;

beforeAll(async () => {
  ({ db, close, commandsOf } = await openTestDb('inventory_it'));
  catalog = createMongoCatalogStore(db);
  reservations = createMongoReservationStore(db);
  activities = createInventoryActivities({ catalog, reservations });
});
afterAll(() => close());

let n = 0;
const fresh = (prefix: string) => `${prefix}-${++n}`;
const available = async (sku: string) => (await catalog.getSku(sku))?.available;

/**
 * The state an attempt leaves when it stops after taking 2 units of `sku` with its marker:
 * the reservation is PENDING, with the line recorded as taken or not.
 */
async function stoppedAfterTake(
  reservationId: string,
  orderId: string,
  sku: string,
  recorded: boolean,
) {
  await db.collection(RESERVATIONS_COLLECTION).insertOne({
    _id: reservationId as unknown as never,
    orderId,
    status: 'PENDING',
    lines: [{ sku, quantity: 2 }],
    taken: recorded ? [sku] : [],
    createdAt: new Date(),
  });
  await db
    .collection(CATALOG_COLLECTION)
    .updateOne(
      { _id: sku as unknown as never },
      { $inc: { available: -2 }, $push: { holds: reservationId as never } },
    );
}

describe('catalog', () => {
  it('upserts and reads a SKU', async () => {
    const first = await catalog.upsertSku('CAT-1', { name: 'Mug', unitPrice: 1250, available: 3 });
    expect(first.created).toBe(true);
    const second = await catalog.upsertSku('CAT-1', { name: 'Mug', unitPrice: 1300, available: 4 });
    expect(second.created).toBe(false);
    expect(await catalog.getSku('CAT-1')).toMatchObject({
      sku: 'CAT-1',
      name: 'Mug',
      unitPrice: 1300,
      available: 4,
    });
    expect(await catalog.getSku('NOPE')).toBeNull();
  });

  it('prices from the catalog, refusing unknown SKUs', async () => {
    await catalog.upsertSku('P-1', { name: 'A', unitPrice: 500, available: 1 });
    await catalog.upsertSku('P-2', { name: 'B', unitPrice: 250, available: 1 });
    const priced = await activities.priceOrder({
      orderId: 'o',
      items: [
        { sku: 'P-1', quantity: 2 },
        { sku: 'P-2', quantity: 3 },
      ],
    });
    expect(priced.total).toBe(1750);
    expect(priced.items[1]).toEqual({ sku: 'P-2', quantity: 3, unitPrice: 250, lineTotal: 750 });
    await expect(
      activities.priceOrder({ orderId: 'o', items: [{ sku: 'P-404', quantity: 1 }] }),
    ).rejects.toMatchObject({ type: 'UnknownSku', nonRetryable: true });
  });
});

describe('reservations', () => {
  it('the same idempotency key twice takes the stock once and returns the first result', async () => {
    const sku = fresh('IDEM');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 10 });
    const input = {
      idempotencyKey: fresh('order-x:reserve'),
      orderId: 'x',
      items: [{ sku, quantity: 3 }],
    };
    const first = await activities.reserveInventory(input);
    const second = await activities.reserveInventory(input);
    expect(second).toEqual(first);
    expect(await available(sku)).toBe(7); // without the key it would be 4
  });

  it('20 concurrent reservations of 1 unit against stock 5: exactly 5 succeed, stock 0', async () => {
    const sku = fresh('RACE');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        activities.reserveInventory({
          idempotencyKey: `race-${sku}-${i}`,
          orderId: `o${i}`,
          items: [{ sku, quantity: 1 }],
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures).toHaveLength(15);
    failures.forEach((f) => expect(f.reason).toMatchObject({ type: 'OutOfStock' }));
    expect(await available(sku)).toBe(0);
    const doc = await db.collection(CATALOG_COLLECTION).findOne({ _id: sku as unknown as never });
    expect(doc?.holds ?? []).toEqual([]); // no marker left behind
  });

  it('all or nothing: the second line out of stock gives the first line back', async () => {
    const a = fresh('AON-A');
    const b = fresh('AON-B');
    await catalog.upsertSku(a, { name: a, unitPrice: 100, available: 5 });
    await catalog.upsertSku(b, { name: b, unitPrice: 100, available: 1 });
    const input = {
      idempotencyKey: fresh('order-y:reserve'),
      orderId: 'y',
      items: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 2 },
      ],
    };
    await expect(activities.reserveInventory(input)).rejects.toMatchObject({ type: 'OutOfStock' });
    expect(await available(a)).toBe(5);
    expect(await available(b)).toBe(1);
    // Repeating returns the first answer and changes nothing.
    await expect(activities.reserveInventory(input)).rejects.toMatchObject({ type: 'OutOfStock' });
    expect(await available(a)).toBe(5);
    // Releasing a failed reservation has nothing to give back.
    expect(
      await activities.releaseInventory({
        idempotencyKey: 'rel',
        orderId: 'y',
        reservationId: input.idempotencyKey,
      }),
    ).toEqual({ released: false });
    expect(await available(a)).toBe(5);
  });

  it('release gives the stock back once, however often it runs', async () => {
    const sku = fresh('REL');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 4 });
    const reservationId = fresh('order-z:reserve');
    await activities.reserveInventory({
      idempotencyKey: reservationId,
      orderId: 'z',
      items: [
        { sku, quantity: 3 },
        { sku, quantity: 1 },
      ],
    });
    expect(await available(sku)).toBe(0);
    const release = { idempotencyKey: `${reservationId}:release`, orderId: 'z', reservationId };
    expect(await activities.releaseInventory(release)).toEqual({ released: true });
    expect(await activities.releaseInventory(release)).toEqual({ released: true });
    expect(await available(sku)).toBe(4);
  });

  it('a release before the reservation leaves a tombstone: the late reservation takes nothing', async () => {
    const sku = fresh('LATE');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 2 });
    const reservationId = fresh('order-l:reserve');
    expect(
      await activities.releaseInventory({ idempotencyKey: 'r', orderId: 'l', reservationId }),
    ).toEqual({ released: false });
    await expect(
      activities.reserveInventory({
        idempotencyKey: reservationId,
        orderId: 'l',
        items: [{ sku, quantity: 1 }],
      }),
    ).rejects.toMatchObject({ type: 'ReservationReleased', nonRetryable: true });
    expect(await available(sku)).toBe(2);
  });

  it('repairs a reservation that crashed after taking a line but before recording it', async () => {
    const sku = fresh('CRASH');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-c:reserve');
    // Simulate the crash: the reservation exists, the SKU was decremented with our marker.
    await stoppedAfterTake(reservationId, 'c', sku, false);
    await activities.reserveInventory({
      idempotencyKey: reservationId,
      orderId: 'c',
      items: [{ sku, quantity: 2 }],
    });
    expect(await available(sku)).toBe(3); // taken once, not twice
    await activities.releaseInventory({ idempotencyKey: 'r', orderId: 'c', reservationId });
    expect(await available(sku)).toBe(5);
  });

  it('two attempts of one reservation at once (two processes) take the stock once', async () => {
    const sku = fresh('TWICE');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 100 });
    const other = createMongoReservationStore(db); // a second worker process, its own lock queue
    for (let i = 0; i < 10; i++) {
      const id = fresh('order-t:reserve');
      const items = [{ sku, quantity: 2 }];
      await Promise.all([reservations.reserve(id, 't', items), other.reserve(id, 't', items)]);
    }
    expect(await available(sku)).toBe(80); // 10 reservations of 2, each taken once
  });

  it('a retry clears the hold marker of a line an earlier attempt recorded but did not clear', async () => {
    const sku = fresh('MARKER');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-m:reserve');
    // The attempt took the line and recorded it, then failed before clearing its marker.
    await stoppedAfterTake(reservationId, 'm', sku, true);
    await activities.reserveInventory({
      idempotencyKey: reservationId,
      orderId: 'm',
      items: [{ sku, quantity: 2 }],
    });
    const doc = await db.collection(CATALOG_COLLECTION).findOne({ _id: sku as unknown as never });
    expect(doc?.holds ?? []).toEqual([]); // the marker no longer outlives the reservation
    expect(doc?.available).toBe(3);
  });

  it('takes no per-SKU lock: a SKU whose old stock lock is held still reserves at once', async () => {
    // Before FerretDB 2, every stock write queued behind a `stock:<sku>` lease (FerretDB 1 did not
    // apply conditional updates atomically). A held one would now make this wait 10 s and fail.
    const sku = fresh('NOLOCK');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const expiresAt = new Date(Date.now() + 60_000);
    await db
      .collection(LOCKS_COLLECTION)
      .insertOne({ _id: `stock:${sku}` as unknown as never, owner: 'someone-else', expiresAt });
    const quick = createMongoReservationStore(db, undefined, { waitMs: 500 });
    await expect(
      quick.reserve(fresh('order-n:reserve'), 'n', [{ sku, quantity: 1 }]),
    ).resolves.toBeDefined();
    expect(await available(sku)).toBe(4);
  });

  it('a release racing attempts of its own reservation gives back exactly what was taken', async () => {
    // The gap the per-SKU lock left open: a late reserve attempt running beside the release of
    // the same reservation. Both run under the reservation's lock now, in either order.
    const sku = fresh('RACE');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 1_000 });
    const other = createMongoReservationStore(db);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const id = fresh('order-x:reserve');
        const items = [{ sku, quantity: 3 }];
        await Promise.allSettled([
          reservations.reserve(id, 'x', items),
          other.release(id, 'x'),
          other.reserve(id, 'x', items),
        ]);
        return id;
      }),
    );
    const docs = await db
      .collection(RESERVATIONS_COLLECTION)
      .find({ _id: { $in: outcomes as never[] } })
      .toArray();
    expect(docs.map((d) => d.status as string).sort()).toEqual(Array(20).fill('RELEASED'));
    const skuDoc = await db
      .collection<{ _id: string; available: number; holds?: string[]; releases?: string[] }>(
        CATALOG_COLLECTION,
      )
      .findOne({ _id: sku });
    expect(skuDoc?.available).toBe(1_000);
    expect([...(skuDoc?.holds ?? []), ...(skuDoc?.releases ?? [])]).toEqual([]);
  });
  it('a one-line reservation is four writes: create (with its lease), take, settle, clear the marker', async () => {
    const sku = fresh('TRIPS');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const id = fresh('order-r:reserve');
    expect(await commandsOf(() => reservations.reserve(id, 'r', [{ sku, quantity: 1 }]))).toEqual([
      'reservations.insert',
      'catalog.update',
      'reservations.update',
      'catalog.update',
    ]);
    const doc = await db.collection(RESERVATIONS_COLLECTION).findOne({ _id: id as never });
    expect(doc).toMatchObject({ status: 'RESERVED', taken: [sku] });
    expect(doc?.lease).toBeUndefined(); // the settling write gave it back
  });

  it('a retry after a crash between settling and clearing the marker clears it', async () => {
    const sku = fresh('SETTLED');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-s:reserve');
    await stoppedAfterTake(reservationId, 's', sku, true);
    await db
      .collection(RESERVATIONS_COLLECTION)
      .updateOne({ _id: reservationId as never }, { $set: { status: 'RESERVED' } });
    const items = [{ sku, quantity: 2 }];
    await expect(reservations.reserve(reservationId, 's', items)).resolves.toMatchObject({ items });
    const doc = await db.collection(CATALOG_COLLECTION).findOne({ _id: sku as unknown as never });
    expect(doc).toMatchObject({ holds: [], available: 3 });
  });

  it('a release that crashed after giving a line back does not give it back again', async () => {
    const sku = fresh('HALF');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-h:reserve');
    await reservations.reserve(reservationId, 'h', [{ sku, quantity: 2 }]);
    // The release set RELEASED and gave the line back (with its marker), then stopped before
    // recording `taken: []`.
    await db
      .collection(RESERVATIONS_COLLECTION)
      .updateOne({ _id: reservationId as never }, { $set: { status: 'RELEASED', released: true } });
    await db
      .collection(CATALOG_COLLECTION)
      .updateOne(
        { _id: sku as unknown as never },
        { $inc: { available: 2 }, $push: { releases: reservationId as never } },
      );
    expect(await reservations.release(reservationId, 'h')).toEqual({ released: true });
    const doc = await db.collection(CATALOG_COLLECTION).findOne({ _id: sku as unknown as never });
    expect(doc).toMatchObject({ available: 5, releases: [] });
  });

  it('out of stock after a crash that settled FAILED: the retry gives the taken line back once', async () => {
    const a = fresh('FAIL-A');
    await catalog.upsertSku(a, { name: a, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-f:reserve');
    // Took 2 of `a` (recorded by the FAILED settle), then stopped before giving them back.
    await stoppedAfterTake(reservationId, 'f', a, true);
    await db
      .collection(RESERVATIONS_COLLECTION)
      .updateOne({ _id: reservationId as never }, { $set: { status: 'FAILED', failedSku: 'B' } });
    const items = [{ sku: a, quantity: 2 }];
    for (let i = 0; i < 2; i++)
      await expect(reservations.reserve(reservationId, 'f', items)).rejects.toMatchObject({
        type: 'OutOfStock',
      });
    const doc = await db.collection(CATALOG_COLLECTION).findOne({ _id: a as unknown as never });
    expect(doc).toMatchObject({ available: 5, holds: [], releases: [] });
  });

  it('releasing a reservation whose take was never recorded gives the stock back', async () => {
    const sku = fresh('UNREC');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-u:reserve');
    await stoppedAfterTake(reservationId, 'u', sku, false);
    await reservations.release(reservationId, 'u');
    await reservations.release(reservationId, 'u');
    const doc = await db.collection(CATALOG_COLLECTION).findOne({ _id: sku as unknown as never });
    expect(doc).toMatchObject({ available: 5, holds: [], releases: [] });
  });

  it('takes over the lease of an attempt that crashed, once it has expired', async () => {
    const sku = fresh('LEASE');
    await catalog.upsertSku(sku, { name: sku, unitPrice: 100, available: 5 });
    const reservationId = fresh('order-e:reserve');
    await stoppedAfterTake(reservationId, 'e', sku, false);
    await db
      .collection(RESERVATIONS_COLLECTION)
      .updateOne(
        { _id: reservationId as never },
        { $set: { lease: { owner: 'gone', expiresAt: new Date(Date.now() + 300) } } },
      );
    const started = Date.now();
    await reservations.reserve(reservationId, 'e', [{ sku, quantity: 2 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await available(sku)).toBe(3);
  });
});
