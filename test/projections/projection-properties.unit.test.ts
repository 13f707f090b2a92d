import fc from 'fast-check';
import type { OrderEvent } from '../../contracts/event-envelope';
import { foldOrder } from '../../projections/fold/order-view';
import type { ConsumedMessage } from '../../projections/runtime/process-batch';
import { processBatch, ReadModelBehindError } from '../../projections/runtime/process-batch';
import type { SagaSpec } from '../../testing/sample-streams';
import { SAGA_OUTCOMES, sagaEvents } from '../../testing/sample-streams';
import { expectedAggregates, withoutZeroCounts } from './expected-read-models';
import { InMemoryProjectionStore } from './in-memory-store';
import { consumedMessage } from './consumed-message';

// Properties of the whole projection pipeline (decode → plan → guarded writes), with the
// store's guards simulated in memory: whatever the interleaving of orders, the redeliveries,
// the batch boundaries and the crashes between the aggregates write and the orders write,
// the read models equal those of the clean stream, and each order counts once; and a store
// that comes back from a crash without its latest acknowledged writes is repaired by reading
// again from its own position, with nothing dead-lettered.

const sagaArb = (index: number) =>
  fc
    .record({
      outcome: fc.constantFrom(...SAGA_OUTCOMES),
      customer: fc.nat(2),
      items: fc.array(
        fc.record({
          sku: fc.constantFrom('A', 'B', 'C'),
          quantity: fc.integer({ min: 1, max: 3 }),
        }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    })
    .map((s): SagaSpec => ({
      orderId: `o${index}`,
      customerId: `c${s.customer}`,
      items: s.items,
      outcome: s.outcome,
      startMs: Date.UTC(2026, 0, 1) + index * 60_000,
    }));

const scenarioArb = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    sagas: fc.tuple(...Array.from({ length: n }, (_, i) => sagaArb(i))),
    partitions: fc.integer({ min: 1, max: 3 }),
    schedule: fc.array(fc.nat(), { minLength: 1, maxLength: 80 }),
    duplicates: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
    crashes: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
  }),
);

/** Interleaves the orders' streams (each stays in order), then re-inserts earlier events. */
function buildStream(
  streams: OrderEvent[][],
  schedule: number[],
  duplicates: [number, number][],
): OrderEvent[] {
  const cursors = streams.map(() => 0);
  const out: OrderEvent[] = [];
  let step = 0;
  while (out.length < streams.reduce((n, s) => n + s.length, 0)) {
    const open = streams.map((_s, i) => i).filter((i) => cursors[i] < streams[i].length);
    const pick = open[(schedule[step++ % schedule.length] ?? 0) % open.length];
    out.push(streams[pick][cursors[pick]++]);
  }
  for (const [at, from] of duplicates) {
    const position = at % (out.length + 1);
    if (position === 0) continue;
    out.splice(position, 0, out[from % position]); // only events already seen: redeliveries
  }
  return out;
}

/**
 * The scenario's sagas as the partitions deliver them: orders spread over the partitions, each
 * partition's orders interleaved by `schedule`, with redeliveries.
 */
function deliveries(scenario: {
  sagas: SagaSpec[];
  partitions: number;
  schedule: number[];
  duplicates: [number, number][];
}) {
  const { sagas, partitions, schedule, duplicates } = scenario;
  const streams = sagas.map(sagaEvents);
  const byPartition = Array.from({ length: partitions }, (_, p) =>
    streams.filter((_s, i) => i % partitions === p),
  );
  const messages = byPartition.map((ss) =>
    buildStream(ss, schedule, duplicates).map(consumedMessage),
  );
  return { streams, messages };
}

/** The store holds exactly the clean fold of `streams`: each order once, aggregates recomputed. */
function expectCleanFold(store: InMemoryProjectionStore, streams: OrderEvent[][]): void {
  const clean = new Map(streams.map((events) => [events[0].orderId, foldOrder(events)!]));
  expect(new Map(store.orders)).toEqual(clean);
  const expected = expectedAggregates([...clean.values()]);
  expect(new Map([...store.customers].map(([k, v]) => [k, withoutZeroCounts(v)]))).toEqual(
    expected.customers,
  );
  expect(new Map(store.skus)).toEqual(expected.skus);
}

class Crash extends Error {}

async function project(
  partitions: ConsumedMessage[][],
  batchSizes: number[],
  crashes: boolean[],
): Promise<InMemoryProjectionStore> {
  const store = new InMemoryProjectionStore();
  const committed = partitions.map(() => 0);
  let round = 0;
  let crashBudget = 20;
  while (committed.some((c, p) => c < partitions[p].length)) {
    for (let p = 0; p < partitions.length; p++) {
      const batch = partitions[p].slice(
        committed[p],
        committed[p] + batchSizes[round % batchSizes.length],
      );
      if (batch.length === 0) continue;
      const crash = crashes[round % crashes.length] && crashBudget-- > 0;
      round++;
      try {
        await processBatch(
          {
            store,
            deadLetter: () => Promise.reject(new Error('no event here is poison')),
            afterAggregates: crash ? () => Promise.reject(new Crash()) : undefined,
          },
          p,
          batch,
        );
        committed[p] += batch.length;
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
        // Crashed before committing: the batch is delivered again (perhaps cut differently).
      }
    }
  }
  return store;
}

/**
 * Like `project`, but before some batches the database "crashes" and comes back as it was
 * after an earlier batch (a suffix of its writes lost) while the consumer's offsets stay where
 * they were. A ReadModelBehindError moves the consumer back, as the projector's seek does, and
 * so does the projector's periodic comparison of positions with committed offsets.
 */
async function projectLosingWrites(
  partitions: ConsumedMessage[][],
  batchSizes: number[],
  losses: number[],
): Promise<{ store: InMemoryProjectionStore; rewinds: number }> {
  const store = new InMemoryProjectionStore();
  const consumer = partitions.map(() => 0);
  const resumedAt = new Map<number, number>();
  const snapshots = [store.snapshot()];
  let round = 0;
  let rewinds = 0;
  let lossBudget = 8;
  // The projector's periodic check: a partition that gets no new event is compared with the
  // consumer's offset, so a loss after its last batch is found too.
  const idleCheck = () => {
    partitions.forEach((_messages, p) => {
      const position = store.positions.get(p) ?? 0;
      if (position < consumer[p]) {
        rewinds++;
        consumer[p] = position;
        resumedAt.set(p, position);
      }
    });
  };
  for (;;) {
    if (!consumer.some((c, p) => c < partitions[p].length)) {
      idleCheck();
      if (!consumer.some((c, p) => c < partitions[p].length)) break;
    }
    if (round > 5_000) throw new Error('no progress');
    for (let p = 0; p < partitions.length; p++) {
      const batch = partitions[p].slice(
        consumer[p],
        consumer[p] + batchSizes[round % batchSizes.length],
      );
      if (batch.length === 0) continue;
      const loss = losses[round % losses.length];
      round++;
      if (loss > 0 && lossBudget-- > 0) {
        store.restore(snapshots[Math.max(0, snapshots.length - 1 - (loss % snapshots.length))]);
      }
      try {
        await processBatch(
          {
            store,
            resumedAt: resumedAt.get(p),
            deadLetter: () => Promise.reject(new Error('no event here is poison')),
          },
          p,
          batch,
        );
        resumedAt.delete(p);
        consumer[p] += batch.length;
        snapshots.push(store.snapshot());
      } catch (error) {
        if (!(error instanceof ReadModelBehindError)) throw error;
        rewinds++;
        consumer[p] = error.resumeAt;
        resumedAt.set(p, error.resumeAt);
      }
    }
  }
  return { store, rewinds };
}

describe('projection pipeline properties', () => {
  it('any interleaving with redeliveries, batch cuts and crashes folds to the clean state, counting each order once', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        async ({ sagas, partitions, schedule, duplicates, batchSizes, crashes }) => {
          const { streams, messages } = deliveries({ sagas, partitions, schedule, duplicates });

          const store = await project(messages, batchSizes, crashes);

          expectCleanFold(store, streams);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a store that loses its latest writes in a crash is repaired by reading again from its own position', async () => {
    let rewound = 0;
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        fc.array(fc.nat(6), { minLength: 1, maxLength: 10 }),
        async ({ sagas, partitions, schedule, duplicates, batchSizes }, losses) => {
          const { streams, messages } = deliveries({ sagas, partitions, schedule, duplicates });

          const { store, rewinds } = await projectLosingWrites(messages, batchSizes, losses);
          rewound += rewinds;

          expectCleanFold(store, streams);
        },
      ),
      { numRuns: 150 },
    );
    // The losses really happened behind the consumer's back (not only before the first batch).
    expect(rewound).toBeGreaterThan(0);
  });

  it('folding a stream with duplicates equals folding it clean', () => {
    fc.assert(
      fc.property(
        sagaArb(0),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }),
        (saga, duplicates) => {
          const events = sagaEvents(saga);
          const noisy = buildStream([events], [0], duplicates);
          expect(foldOrder(noisy)).toEqual(foldOrder(events));
        },
      ),
    );
  });
});
