import { parseArgs } from 'node:util';

// Command line of `npm run bench`. Pure: parsing is unit-tested without servers.

export const BENCHMARKS = ['saga', 'publish', 'projection', 'api'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface BenchArgs {
  quick: boolean;
  json: boolean;
  /** Orders per saga run (benchmark 1). */
  orders: number;
  /** Orders in flight at once (benchmark 1) and requests in flight (benchmark 4). */
  concurrency: number;
  /** Instance counts for the scaling runs of benchmarks 1 and 3 (benchmark 5). */
  instances: number[];
  only: BenchmarkName[];
  out?: string;
  svg?: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--orders N] [--concurrency N]
       [--instances 1,2] [--only saga,publish,projection,api] [--out FILE] [--svg FILE]`;

// --quick must fit the whole run (stack start included) in under two minutes on 2 cores.
const DEFAULTS = {
  full: { orders: 500, concurrency: 20 },
  quick: { orders: 12, concurrency: 6 },
};

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      instances: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      svg: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const defaults = quick ? DEFAULTS.quick : DEFAULTS.full;
  const instances = (values.instances ?? '1,2').split(',').map((s) => positiveInt('instances', s));
  const only = values.only === undefined ? [...BENCHMARKS] : values.only.split(',');
  for (const name of only) {
    if (!(BENCHMARKS as readonly string[]).includes(name))
      throw new Error(`--only: unknown benchmark ${name} (one of ${BENCHMARKS.join(', ')})`);
  }
  return {
    quick,
    json: values.json === true,
    orders: values.orders ? positiveInt('orders', values.orders) : defaults.orders,
    concurrency: values.concurrency
      ? positiveInt('concurrency', values.concurrency)
      : defaults.concurrency,
    instances: [...new Set(instances)].sort((a, b) => a - b),
    only: only as BenchmarkName[],
    ...(values.out !== undefined && { out: values.out }),
    ...(values.svg !== undefined && { svg: values.svg }),
  };
}
