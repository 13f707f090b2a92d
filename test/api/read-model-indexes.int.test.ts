import { MongoClient, type Db, type Document } from 'mongodb';
import { ensureReadModelIndexes } from '../../projections/store/mongo-store';
import { DEFAULT_READ_MODELS } from '../../projections/store/pointers';
import {
  createReadModelReader,
  type ReadModelReader,
} from '../../projections/store/read-model-reader';
import type { OrderView } from '../../contracts/read-models';
import { orderView } from './fakes';

// Support's order lists (GET /orders without customerId, with or without ?status=) must not
// sort the whole collection. The finds the read side really sends (captured by command
// monitoring) are explained against the local MongoDB-wire server; what is asserted depends on
// the server, as their plans differ:
//   - MongoDB: an IXSCAN of the list's index serves filter and order: no COLLSCAN, no SORT.
//   - FerretDB 2.5 on DocumentDB 0.106 (the local stack) answers with PostgreSQL's plan. With
//     `status`, and on every page after the first, the filter is a (Bitmap) Index Scan of one of
//     these indexes, never a Seq Scan; the rows found are then sorted (DocumentDB serves ORDER
//     BY from an index only behind experimental settings, documentdb.enableIndexOrderbyPushdown
//     and the composite index opclass, off by default). The first page without a filter has no
//     condition to use an index for: it reads every row through the primary key (`_id_`) and
//     sorts them. Asserted as such, so a server that starts doing better makes this test say so.

const url = process.env.MONGO_URL;
if (!url) throw new Error('MONGO_URL is not set (the integration globalSetup sets it)');

const ORDERS = DEFAULT_READ_MODELS.collections.orders;
const BY_DATE = 'createdAt_-1_orderId_-1';
const BY_STATUS = 'status_1_createdAt_-1_orderId_-1';
const STATUSES = ['COMPLETED', 'CANCELLED', 'PENDING', 'AWAITING_APPROVAL'] as const;

let client: MongoClient;
let db: Db;
let reader: ReadModelReader;
let server: 'mongodb' | 'ferretdb';
/** The find commands the reader sent, as the server received them. */
const finds: Document[] = [];

beforeAll(async () => {
  client = new MongoClient(url, { monitorCommands: true });
  client.on('commandStarted', (event) => {
    if (event.commandName === 'find' && event.command.find === ORDERS) finds.push(event.command);
  });
  await client.connect();
  db = client.db(`apitest_indexes_${Date.now().toString(36)}`);
  const buildInfo = await db.admin().command({ buildInfo: 1 });
  server = 'ferretdb' in buildInfo ? 'ferretdb' : 'mongodb';
  // Enough orders that a plan has a choice; the projector's shape, minus what does not matter.
  await db.collection<OrderView & { _id: string }>(ORDERS).insertMany(
    Array.from({ length: 2000 }, (_, i) => {
      const orderId = `ord_${String(i).padStart(6, '0')}`;
      return {
        _id: orderId,
        ...orderView({
          orderId,
          customerId: `customer-${i % 50}`,
          status: STATUSES[i % STATUSES.length],
          createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 3) * 1000).toISOString(),
        }),
      };
    }),
  );
  await ensureReadModelIndexes(db, DEFAULT_READ_MODELS.collections);
  reader = createReadModelReader(db);
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

interface PlanNode {
  kind: string;
  index?: string;
}

/** Every node of an explain plan, MongoDB's (`stage`) or PostgreSQL's (`Node Type`). */
function planNodes(plan: unknown, out: PlanNode[] = []): PlanNode[] {
  if (Array.isArray(plan)) {
    for (const item of plan) planNodes(item, out);
    return out;
  }
  if (typeof plan !== 'object' || plan === null) return out;
  const node = plan as Record<string, unknown>;
  const kind = node.stage ?? node['Node Type'];
  const index = node.indexName ?? node['Index Name'];
  if (typeof kind === 'string') out.push({ kind, ...(typeof index === 'string' && { index }) });
  for (const [key, value] of Object.entries(node))
    if (key !== 'command' && key !== 'rejectedPlans') planNodes(value, out);
  return out;
}

/** Runs the list as the API does, then explains the find it sent. */
async function explainList(filter: Parameters<ReadModelReader['listOrders']>[0]) {
  finds.length = 0;
  const rows = await reader.listOrders(filter);
  expect(finds).toHaveLength(1);
  // The parts of the command that shape the plan (not its session or cluster time).
  const sent: Record<string, unknown> = finds[0];
  const find = Object.fromEntries(
    ['find', 'filter', 'sort', 'projection', 'limit'].map((part) => [part, sent[part]]),
  );
  const explained = await db.command({ explain: find, verbosity: 'queryPlanner' });
  const plan: unknown =
    server === 'mongodb'
      ? (explained.queryPlanner as Document).winningPlan
      : (explained.queryPlanner as Document).Plan;
  return { rows, nodes: planNodes(plan) };
}

const indexScans = (nodes: PlanNode[]) =>
  nodes.filter((n) => /IXSCAN|Index Scan|Index Only Scan/.test(n.kind)).map((n) => n.index);
const kinds = (nodes: PlanNode[]) => nodes.map((n) => n.kind);

/** Where page one of `status` ended, for the next page's query. */
async function afterFirstPage(status?: (typeof STATUSES)[number]) {
  const [last] = (await reader.listOrders({ status, limit: 21 })).slice(-1);
  return { createdAt: last.createdAt, orderId: last.orderId };
}

it('the read model has the support lists’ indexes', async () => {
  const names = (await db.collection(ORDERS).indexes()).map((i) => i.name);
  expect(names).toEqual(expect.arrayContaining([BY_DATE, BY_STATUS]));
});

describe.each([
  { list: 'by status, first page', status: 'PENDING' as const, page: 1 },
  { list: 'by status, next page', status: 'PENDING' as const, page: 2 },
  { list: 'all orders, next page', status: undefined, page: 2 },
])('support list $list', ({ status, page }) => {
  it('uses an index, not a collection scan', async () => {
    const after = page === 2 ? await afterFirstPage(status) : undefined;
    const { rows, nodes } = await explainList({ status, limit: 21, after });
    expect(rows).toHaveLength(21);
    const expected = status === undefined ? [BY_DATE, BY_STATUS] : [BY_STATUS];
    if (server === 'mongodb') {
      expect(kinds(nodes)).not.toContain('COLLSCAN');
      expect(kinds(nodes)).not.toContain('SORT');
      expect(indexScans(nodes)).toContain(status === undefined ? BY_DATE : BY_STATUS);
    } else {
      expect(kinds(nodes)).not.toContain('Seq Scan');
      const used = indexScans(nodes);
      expect(used.length).toBeGreaterThan(0);
      for (const index of used) expect(expected).toContain(index);
    }
  });
});

it('support list of all orders, first page: an index on MongoDB; a sort of every row on FerretDB', async () => {
  const { rows, nodes } = await explainList({ limit: 21 });
  expect(rows.map((r) => r.orderId).slice(0, 2)).toEqual(['ord_001999', 'ord_001998']);
  if (server === 'mongodb') {
    expect(kinds(nodes)).not.toContain('COLLSCAN');
    expect(kinds(nodes)).not.toContain('SORT');
    expect(indexScans(nodes)).toContain(BY_DATE);
  } else {
    // What DocumentDB 0.106 does with its default settings (see the comment at the top).
    expect(kinds(nodes)).toContain('Sort');
    expect(indexScans(nodes)).toEqual(['_id_']);
  }
});
