import { MongoClient, type Collection } from 'mongodb';
import { z } from 'zod';
import { env, loadConfig } from '../lib/config';

// `npm run bench:mongo-filters`: how the cost of one operation grows with the collection, per
// filter shape, on the MongoDB-wire server at MONGO_URL (default: the local stack's). The
// projector loads a chunk's orders with one `$in` of ids and updates by `_id`: on a server that
// serves these from the `_id` index every row stays flat as the collection grows (FerretDB 1.24
// evaluated anything but `{_id: <string>}` document by document, an `$in` of 3 ids taking 381 ms
// at 4 000 documents). Writes into a scratch database it drops at the end.

const SIZES = [100, 1_000, 4_000];
const REPEATS = 20;
/** Unmeasured runs first, so the first column does not carry connection and cache warm-up. */
const WARMUP = 3;
/** About one order view's size. */
const PAD = 'x'.repeat(1_500);

interface Doc {
  _id: string;
  n: number;
  pad: string;
}

const OPERATIONS: [
  string,
  (docs: Collection<Doc>, id: (k: number) => string) => Promise<unknown>,
][] = [
  ['findOne {_id}', (docs, id) => docs.findOne({ _id: id(0) })],
  ['findOne {_id, n: {$gte}}', (docs, id) => docs.findOne({ _id: id(0), n: { $gte: 0 } })],
  [
    'find {_id: {$in: 3 ids}}',
    (docs, id) => docs.find({ _id: { $in: [id(0), id(1), id(2)] } }).toArray(),
  ],
  ['updateOne {_id} $inc', (docs, id) => docs.updateOne({ _id: id(0) }, { $inc: { n: 1 } })],
  [
    'insertOne',
    (docs, id) => docs.insertOne({ _id: `new-${id(0)}-${Math.random()}`, n: 0, pad: PAD }),
  ],
];

async function main(): Promise<void> {
  const { MONGO_URL } = loadConfig(z.object({ MONGO_URL: env.mongoUrl }));
  const client = await MongoClient.connect(MONGO_URL);
  const db = client.db(`bench_mongo_filters_${process.pid}`);
  const docs = db.collection<Doc>('docs');
  const rows: string[][] = [['operation', ...SIZES.map((n) => `${n} docs`)]];
  const results = new Map<string, string[]>(OPERATIONS.map(([name]) => [name, []]));
  try {
    let size = 0;
    for (const target of SIZES) {
      process.stderr.write(`filling to ${target} documents ...\n`);
      const batch: Doc[] = [];
      for (; size < target; size++) batch.push({ _id: `id-${size}`, n: 0, pad: PAD });
      for (let i = 0; i < batch.length; i += 500) await docs.insertMany(batch.slice(i, i + 500));
      for (const [name, run] of OPERATIONS) {
        process.stderr.write(`  ${name} x${REPEATS} at ${target} documents\n`);
        for (let r = 0; r < WARMUP; r++) await run(docs, (k) => `id-${(r + k) % target}`);
        const started = performance.now();
        for (let r = 0; r < REPEATS; r++) {
          await run(docs, (k) => `id-${((r + k) * 37) % target}`);
        }
        results.get(name)?.push(`${((performance.now() - started) / REPEATS).toFixed(1)} ms`);
      }
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
  for (const [name, cells] of results) rows.push([name, ...cells]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
