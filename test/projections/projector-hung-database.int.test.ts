import { MongoClient } from 'mongodb';
import type { OrderView } from '../../contracts/read-models';
import { DeadlineExceededError } from '../../lib/deadline';
import {
  createMongoProjectionStore,
  POSITIONS_COLLECTION,
} from '../../projections/store/mongo-store';
import { foldOrder } from '../../projections/fold/order-view';
import type { ActiveReadModels } from '../../projections/store/pointers';
import { generationReadModels } from '../../projections/store/pointers';
import type { ProjectorOptions } from '../../projections/runtime/projector';
import { sagaEvents, sampleSagas } from '../../testing/sample-streams';
import { expectCleanReadModels, mongoUrl, unique, waitFor } from './kafka-test-kit';
import { caughtUp, ProjectorTestBed, sampleStreams } from './projector-test-bed';
import { startTcpProxy } from './tcp-proxy';

// A MongoDB-wire server that stops answering. Seen in the full chaos run: after the server was
// killed and restarted, the projector logged nothing for 7 minutes, its 3-minute stall rule
// did not fire, and the server held an update until its own shutdown. Each database operation
// of the projector must fail after a deadline (its chunk is then read again), and the liveness
// rules must fire while an operation hangs, since they decide when the process exits.

jest.setTimeout(150_000);

describe('projector and a database that stops answering', () => {
  const bed = ProjectorTestBed.forFile('projector-hung-db-int');

  /** A client of the shared server through a proxy of its own. */
  async function proxiedDb(dbName: string, options: { socketTimeoutMS?: number } = {}) {
    const target = new URL(mongoUrl());
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    // Closed before the projectors stop: a hung request would otherwise hold their stop.
    bed.onRelease(() => proxy.close(), 'before-projectors');
    // A short server selection: the teardown closes the proxy under a projector still retrying.
    const client = await MongoClient.connect(`mongodb://127.0.0.1:${proxy.port}/`, {
      serverSelectionTimeoutMS: 5_000,
      ...options,
    });
    bed.onRelease(() => client.close(true), 'after-projectors');
    return { proxy, db: client.db(dbName) };
  }

  async function setup(options: Partial<ProjectorOptions>) {
    const topic = await bed.createTopic('order.events.hung', 1);
    const db = bed.freshDb('read_hung');
    const { proxy, db: projectorDb } = await proxiedDb(db.databaseName);
    const readModels: ActiveReadModels = { ...generationReadModels('live'), groupId: unique('g') };
    const fatal: Error[] = [];
    const projector = await bed.startProjector({
      db: projectorDb,
      readModels,
      topic,
      sessionTimeoutMs: 6_000,
      positionCheckMs: 300,
      onFatal: (error) => fatal.push(error),
      ...options,
    });
    return { topic, db, proxy, readModels, fatal, caughtUp: () => caughtUp(projector) };
  }

  it('a write the server never answers fails after its deadline and the chunk is written again', async () => {
    let hang: (() => void) | undefined;
    const { topic, db, proxy, readModels, fatal, caughtUp } = await setup({
      operationTimeoutMs: 2_000,
      // The orders write of the chunk after `hang` is armed goes to a server stuck in it.
      afterAggregates: () => {
        hang?.();
        hang = undefined;
      },
    });
    const [a, b] = sampleStreams('h', { count: 2, customers: 2 });
    await bed.publish(topic, a.slice(0, 1));
    await caughtUp();

    hang = () => proxy.hangRequestsWith(readModels.collections.orders, 1);
    await bed.publish(topic, [...a.slice(1), ...b]);
    await caughtUp();

    expect(proxy.hungRequests).toBe(1);
    await expectCleanReadModels(db, readModels.collections, [a, b]);
    expect(fatal).toEqual([]);
  });

  it('reports a fatal error while a database request hangs, whatever the request waits for', async () => {
    // Deadlines longer than the stall limit: only the liveness rule can end this.
    const { topic, proxy, fatal, caughtUp } = await setup({
      operationTimeoutMs: 600_000,
      stallLimitMs: 2_000,
    });
    const [a] = sampleStreams('f', { count: 1 });
    await bed.publish(topic, a.slice(0, 1));
    await caughtUp();

    // Every read or write of the positions hangs from now on: the next chunk's, and the
    // periodic position check's.
    proxy.hangRequestsWith(POSITIONS_COLLECTION);
    await bed.publish(topic, a.slice(1));

    await waitFor('the fatal report', () => Promise.resolve(fatal.length > 0));
    expect(proxy.hungRequests).toBeGreaterThan(0);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].message).toMatch(/^lag and no chunk committed for \d+ ms$/);
  });

  it('reports a fatal error once its chunks have failed for failingLimitMs, long before the stall rule', async () => {
    // What a client that never reconnects looks like from the projector: every chunk fails.
    const { topic, proxy, fatal, caughtUp } = await setup({
      operationTimeoutMs: 300,
      failingLimitMs: 2_000,
      stallLimitMs: 600_000,
    });
    const [a] = sampleStreams('c', { count: 1 });
    await bed.publish(topic, a.slice(0, 1));
    await caughtUp(); // chunks succeeded: an idle time before the failures does not count

    proxy.hangRequestsWith(POSITIONS_COLLECTION);
    await bed.publish(topic, a.slice(1));

    await waitFor('the fatal report', () => Promise.resolve(fatal.length > 0));
    expect(fatal).toHaveLength(1);
    expect(fatal[0].message).toMatch(/^chunks failing with nothing written for \d+ ms$/);
  });

  it('a write larger than the socket buffers to a server that stopped reading fails after its deadline, which socketTimeoutMS alone does not do', async () => {
    // The driver waits for such a write to drain with no timer: socketTimeoutMS closes the
    // socket, but the wait never ends (mongodb 7.9, measured with a 5 000-document bulk).
    const { proxy, db } = await proxiedDb(bed.freshDb('read_drain').databaseName, {
      socketTimeoutMS: 1_000,
    });
    const { collections } = generationReadModels('drain');
    const store = createMongoProjectionStore(
      db,
      collections,
      { groupId: 'drain', topic: 'order.events' },
      { operationTimeoutMs: 2_000 },
    );
    await store.writeOrders(0, []);
    expect(await store.loadPosition(0)).toBeNull(); // connected

    proxy.hang();
    const [template] = sampleSagas({ count: 1, prefix: 'big' }).map((s) =>
      foldOrder(sagaEvents(s))!,
    );
    const padding = 'x'.repeat(4_000);
    const orders: OrderView[] = Array.from({ length: 4_000 }, (_, i) => ({
      ...template,
      orderId: `big-${i}`,
      customerId: `${padding}-${i}`,
    }));
    await expect(store.writeOrders(0, orders)).rejects.toBeInstanceOf(DeadlineExceededError);
  });
});
