import { MongoClient } from 'mongodb';
import { orderWorkflowId } from '../../contracts/order';
import type { OrderView } from '../../contracts/read-models';
import { mongoCommandCounts, type MongoCommandCount } from '../../lib/mongo-command-metrics';
import { DEFAULT_READ_MODELS } from '../../projections/store/pointers';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { getOrderStateQuery } from '../../workflows/client';
import { sampleOrder, type ApiClient } from '../chaos/api-client';
import { createLogger } from '../../lib/logger';
import { startInProcessSystem } from '../../system/in-process';
import { SIMULATED_PROVIDER_COLLECTION } from '../../activities/payments/simulated-provider';
import { POINTERS_COLLECTION } from '../../projections/store/pointers';
import { apiClientOf } from '../e2e/order-client';
import type { TestSystem } from '../e2e/system';
import { testServers } from '../setup/servers';

// MongoDB commands per completed happy-path order (issue 24), counted by driver command
// monitoring (`mongodb_commands_total`, lib/mongo-command-metrics.ts) across every client of the
// in-process system: the API's, each worker's, and the projector's, which runs on a thread of its
// own as in the benchmark (its count reaches this thread through InProcessSystem.collectMetrics).
//
// What one order is counted as: POST /orders with an Idempotency-Key, the whole saga (every
// activity of inventory, payments and shipping), the projector folding all of its events into
// the read models, and one GET /orders/{id}?minVersion=<final version> answered from a read
// model that has already caught up (so no minVersion wait polls). Not counted: stocking the
// SKU, the warm-up orders before the measurement (first-use work such as index creation shows in
// their own table), handshakes, authentication, pings and endSessions (not counted by the
// metric), and the test's own reads, which go through a client of their own.
//
// A count, not a timing: it depends only on the code's round trips, and on how the projector's
// chunks fall (an event per chunk at most; a busy projector folds several into one, which only
// lowers the count). Kept out of the bound, so that it stays exact: commands sent on a clock and
// not per order, which are printed but not counted: the API's re-read of the read-model pointer
// (at most every 2 s per instance) and the projector's periodic position check of idle
// partitions (set to once an hour here). Warm-up orders first, until the projector has
// committed on every partition: each partition creates (or finds) the customer's and the SKU's
// aggregate documents once, and the first order of the system creates the read models'
// documents.
//
// Issue 24's goal is at most 30 per order. What remains, per completed order, on this system
// (one order at a time; a burst shares the projector's chunks between orders): 14 commands of
// the services and the API, 2 of them the simulated payment provider's (a real provider is an
// HTTP call), and 25 of the projector, 3 per chunk (the read model's position read before the
// chunk, the orders write, the position write) for the 6 sends of an order's 7 events, plus one
// guarded `$inc` of the customer's statistics per status change (5) and of the SKU's sales (1),
// plus the first chunk's read of the order. The stores say, where each round trip is, why it stays.

jest.setTimeout(300_000);

/** At most this many MongoDB commands per completed order (issue 24's goal: 30). */
const MAX_COMMANDS_PER_ORDER = 39;
const BURST = 5;
const FINAL_VERSION = 7; // OrderPlaced … OrderCompleted on the happy path (README, "Try it")
const PARTITIONS = 3;
/** Sent on a clock, not per order (see the top). */
const BACKGROUND: ReadonlySet<string> = new Set([POINTERS_COLLECTION]);

let system: TestSystem;
let api: ApiClient;
/** The test's own reads: a client the metric does not see. */
let observer: MongoClient;

/** Partitions the projector has committed a chunk of. */
const projectedPartitions = new Set<number>();

beforeAll(async () => {
  installQuietRuntime();
  system = await startInProcessSystem({
    servers: testServers(),
    name: 'order-cost',
    logger: createLogger('e2e-order-cost', process.env.E2E_LOG_LEVEL ?? 'error'),
    partitions: PARTITIONS,
    projectorThreads: true,
    projectorPositionCheckMs: 3_600_000,
    onProjectorProgress: (_, progress) => projectedPartitions.add(progress.partition),
  });
  api = apiClientOf(system);
  observer = await MongoClient.connect(testServers().mongoUrl);
  await api.putSku('KETTLE', 1_000_000, 2_500);
});

afterAll(async () => {
  await observer?.close();
  await system?.stop();
});

type Counts = Map<string, number>;

const keyOf = (r: Pick<MongoCommandCount, 'database' | 'collection' | 'command'>) =>
  `${r.database}\u0000${r.collection}\u0000${r.command}`;

async function snapshot(): Promise<Counts> {
  const rows = await mongoCommandCounts(await system.collectMetrics());
  return new Map(rows.map((r) => [keyOf(r), r.count]));
}

function difference(after: Counts, before: Counts): Counts {
  const delta: Counts = new Map();
  for (const [key, count] of after) {
    const d = count - (before.get(key) ?? 0);
    if (d > 0) delta.set(key, d);
  }
  return delta;
}

const total = (counts: Counts, keep: (collection: string) => boolean = () => true) =>
  [...counts]
    .filter(([key]) => keep(key.split('\u0000')[1]))
    .reduce((sum, [, count]) => sum + count, 0);

/** The bounded count: every command but those sent on a clock. */
const perOrder = (counts: Counts, orders: number) =>
  total(counts, (collection) => !BACKGROUND.has(collection)) / orders;

/** Database names without the system's random suffix: `read`, `inventory`, … */
function databaseRole(database: string): string {
  const role = Object.entries(system.dbs).find(([, name]) => name === database)?.[0];
  return role ?? database;
}

/** The table, per order, sorted by database, collection and command. */
function table(title: string, counts: Counts, orders: number): string {
  const rows = [...counts]
    .map(([key, count]) => {
      const [database, collection, command] = key.split('\u0000');
      return { database: databaseRole(database), collection, command, count };
    })
    .sort((a, b) =>
      `${a.database} ${a.collection} ${a.command}`.localeCompare(
        `${b.database} ${b.collection} ${b.command}`,
      ),
    );
  const each = (n: number) => (n / orders).toFixed(orders === 1 ? 0 : 1).padStart(6);
  const bounded = perOrder(counts, orders);
  const withoutProvider = total(
    counts,
    (c) => !BACKGROUND.has(c) && c !== SIMULATED_PROVIDER_COLLECTION,
  );
  return [
    `${title}: ${each(bounded * orders).trim()} MongoDB commands per order ` +
      `(${each(withoutProvider).trim()} without the simulated payment provider; ` +
      `${total(counts)} in all for ${orders} order(s), clock-driven reads included)`,
    `  ${'database'.padEnd(10)} ${'collection'.padEnd(22)} ${'command'.padEnd(18)} per order`,
    ...rows.map(
      (r) =>
        `  ${r.database.padEnd(10)} ${r.collection.padEnd(22)} ${r.command.padEnd(18)} ${each(r.count)}`,
    ),
  ].join('\n');
}

/** Until the read model holds the order at `version`, read by the test's own client. */
async function projected(orderId: string, version: number): Promise<void> {
  const orders = observer
    .db(system.dbs.read)
    .collection<OrderView & { _id: string }>(DEFAULT_READ_MODELS.collections.orders);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const view = await orders.findOne({ _id: orderId });
    if (view && view.version >= version) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`order ${orderId} not projected at version ${version}`);
}

/** One happy-path order as counted (see the top): POST, saga, projection, one final GET. */
async function completeOrder(key: string): Promise<void> {
  const { status, orderId } = await api.placeOrder(sampleOrder('alice'), key);
  expect(status).toBe(202);
  const handle = system.temporal.workflow.getHandle(orderWorkflowId(orderId!));
  await handle.result();
  const { version } = await handle.query(getOrderStateQuery);
  expect(version).toBe(FINAL_VERSION);
  await projected(orderId!, version);
  const view = await api.ok<OrderView>('GET', `/orders/${orderId}?minVersion=${version}`, {
    token: await api.token('alice'),
  });
  expect({ status: view.status, version: view.version }).toEqual({
    status: 'COMPLETED',
    version,
  });
}

/** Commands counted while `run` ran, with a settling pause for anything still in flight. */
async function counted(run: () => Promise<void>): Promise<{ counts: Counts; ms: number }> {
  const before = await snapshot();
  const started = Date.now();
  await run();
  await new Promise((r) => setTimeout(r, 500));
  return { counts: difference(await snapshot(), before), ms: Date.now() - started };
}

describe('MongoDB commands per order', () => {
  it(`are at most ${MAX_COMMANDS_PER_ORDER} for one order and for a burst of ${BURST}`, async () => {
    // Until every partition has projected one (each order's events go to one partition).
    let warmUps = 0;
    const warmUp = await counted(async () => {
      for (; projectedPartitions.size < PARTITIONS; warmUps++) {
        if (warmUps === 20)
          throw new Error(
            `warm-up orders reached partitions ${[...projectedPartitions].join(', ')} only`,
          );
        await completeOrder(`cost-warm-up-${warmUps}`);
      }
    });
    const one = await counted(() => completeOrder('cost-one'));
    const burst = await counted(async () => {
      await Promise.all(Array.from({ length: BURST }, (_, i) => completeOrder(`cost-burst-${i}`)));
    });
    const idle = await counted(() => new Promise((r) => setTimeout(r, burst.ms)));

    console.log(
      [
        table(
          `${warmUps} warm-up orders (until each partition projected one)`,
          warmUp.counts,
          warmUps,
        ),
        table('one order', one.counts, 1),
        table(`burst of ${BURST}`, burst.counts, BURST),
        table(`idle for ${burst.ms} ms (background, not per order)`, idle.counts, 1),
      ].join('\n\n'),
    );
    expect(perOrder(one.counts, 1)).toBeLessThanOrEqual(MAX_COMMANDS_PER_ORDER);
    expect(perOrder(burst.counts, BURST)).toBeLessThanOrEqual(MAX_COMMANDS_PER_ORDER);
  });
});
