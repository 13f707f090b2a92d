import { foldOrder } from '../../projections/fold/order-view';
import type { ConsumedMessage } from '../../projections/runtime/process-batch';
import { processBatch, ReadModelBehindError } from '../../projections/runtime/process-batch';
import { sagaEvents } from '../../testing/sample-streams';
import { expectedAggregates, withoutZeroCounts } from './expected-read-models';
import { InMemoryProjectionStore } from './in-memory-store';
import { consumedMessage } from './consumed-message';

// The read model's position is checked before a chunk writes or dead-letters anything (issue 24
// weighed dropping that read for a position write conditional on the one this instance last
// wrote). A database that comes back without its latest chunk, between two chunks and with
// nothing else to show for it, must stop the next chunk before its first write: folded onto
// the rolled-back state, that chunk either dead-letters the order's next event as a gap (the
// stored order is a version behind) or, from a cache of the lost document, moves the
// customer's offset mark past the lost increment, which the replay then skips for good.

const streamOf = (orderId: string, customerId: string) =>
  sagaEvents({
    orderId,
    customerId,
    items: [{ sku: 'KETTLE', quantity: 1 }],
    outcome: 'completed',
    startMs: Date.UTC(2026, 0, 1),
  });

describe('the lost-write check before a chunk', () => {
  const b = streamOf('b', 'cust-b');
  const a = streamOf('a', 'cust-a');
  // b first, then a; one event per chunk, as a saga's events usually arrive.
  const log = [...b, ...a].map(consumedMessage);
  const lostChunk = b.length + 2; // a's third event

  /** Offsets of the messages dead-lettered. */
  const parked: string[] = [];
  const ports = (store: InMemoryProjectionStore, resumedAt?: number) => ({
    store,
    resumedAt,
    deadLetter: (message: ConsumedMessage) => {
      parked.push(message.offset);
      return Promise.resolve();
    },
  });

  /** Projects up to and including the chunk at `lostChunk`, then loses that chunk's writes. */
  async function storeThatLostAChunk(): Promise<InMemoryProjectionStore> {
    parked.length = 0;
    const store = new InMemoryProjectionStore();
    let beforeLoss = store.snapshot();
    for (let offset = 0; offset <= lostChunk; offset++) {
      beforeLoss = store.snapshot();
      await processBatch(ports(store), 0, [log[offset]]);
    }
    // Back as before the chunk's writes (its aggregates, its order, its position), while the
    // consumer is past it; nothing about the connection changes.
    store.restore(beforeLoss);
    return store;
  }

  it('stops the next chunk before it writes or dead-letters anything', async () => {
    const store = await storeThatLostAChunk();
    const before = store.snapshot();

    const next = processBatch(ports(store), 0, [log[lostChunk + 1]]);

    await expect(next).rejects.toBeInstanceOf(ReadModelBehindError);
    await expect(next).rejects.toMatchObject({ resumeAt: lostChunk, chunkStart: lostChunk + 1 });
    expect(store.snapshot()).toEqual(before);
    expect(parked).toEqual([]);
  });

  it('reading again from the read model’s position repairs it, counting each event once', async () => {
    const store = await storeThatLostAChunk();

    let consumer = lostChunk + 1;
    let resumedAt: number | undefined;
    let rewinds = 0;
    while (consumer < log.length) {
      try {
        await processBatch(ports(store, resumedAt), 0, [log[consumer]]);
        resumedAt = undefined;
        consumer++;
      } catch (error) {
        if (!(error instanceof ReadModelBehindError)) throw error;
        rewinds++;
        consumer = resumedAt = error.resumeAt; // as the projector's seek
      }
    }

    const views = [foldOrder(a)!, foldOrder(b)!];
    const expected = expectedAggregates(views);
    expect(store.orders).toEqual(new Map(views.map((v) => [v.orderId, v])));
    expect(new Map([...store.customers].map(([k, v]) => [k, withoutZeroCounts(v)]))).toEqual(
      expected.customers,
    );
    expect(store.skus).toEqual(expected.skus);
    expect(parked).toEqual([]);
    expect(rewinds).toBe(1);
  });
});
