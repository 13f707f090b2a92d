import { parseArgs } from 'node:util';

// Command line of `npm run bench`. Pure: parsing is unit-tested without servers.

export const BENCHMARKS = ['saga', 'publish', 'projection', 'api'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

/** How a saga row runs the system: each process on its own (as deployed), or all in the bench. */
export const SAGA_SHAPES = ['deployed', 'in-process'] as const;
export type SagaShape = (typeof SAGA_SHAPES)[number];

export interface BenchArgs {
  quick: boolean;
  json: boolean;
  /** Orders per saga run (benchmark 1). */
  orders: number;
  /** Orders in flight at once (benchmark 1) and requests in flight (benchmark 4). */
  concurrency: number;
  /** Events through the publisher and the bare producer (benchmark 2). */
  events: number;
  /** Orders whose sample event streams pre-fill the projection topic (benchmark 3). */
  projectionOrders: number;
  /** GET requests to the API and to the bare route (benchmark 4). */
  requests: number;
  /** Instance counts for the scaling runs of benchmarks 1 and 3 (benchmark 5). */
  instances: number[];
  /** The saga rows' shapes, each with every instance count (default: deployed). */
  shapes: SagaShape[];
  only: BenchmarkName[];
  out?: string;
  svg?: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--orders N] [--concurrency N]
       [--events N] [--projection-orders N] [--requests N] [--instances 1,2]
       [--shape deployed,in-process] [--only saga,publish,projection,api]
       [--out FILE] [--svg FILE]`;

// --quick must fit the whole run (stack start included) in under two minutes on 2 cores, also
// when others load it. The saga rows dominate and are latency-bound (an order takes 5-11 s
// there), so quick runs its orders in one wave: 8 orders, 8 in flight. 50 projection orders
// are ~360 events, 2-3 s per fold on FerretDB over SQLite.
const DEFAULTS = {
  full: { orders: 500, concurrency: 20, events: 5_000, projectionOrders: 500, requests: 10_000 },
  quick: { orders: 8, concurrency: 8, events: 500, projectionOrders: 50, requests: 500 },
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
      events: { type: 'string' },
      'projection-orders': { type: 'string' },
      requests: { type: 'string' },
      instances: { type: 'string' },
      shape: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      svg: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const defaults = quick ? DEFAULTS.quick : DEFAULTS.full;
  const int = (name: 'orders' | 'concurrency' | 'events' | 'requests', fallback: number) =>
    values[name] !== undefined ? positiveInt(name, values[name]) : fallback;
  const instances = (values.instances ?? '1,2').split(',').map((s) => positiveInt('instances', s));
  const only = values.only === undefined ? [...BENCHMARKS] : values.only.split(',');
  for (const name of only) {
    if (!(BENCHMARKS as readonly string[]).includes(name))
      throw new Error(`--only: unknown benchmark ${name} (one of ${BENCHMARKS.join(', ')})`);
  }
  const shapes = (values.shape ?? 'deployed').split(',');
  for (const shape of shapes) {
    if (!(SAGA_SHAPES as readonly string[]).includes(shape))
      throw new Error(`--shape: unknown shape ${shape} (one of ${SAGA_SHAPES.join(', ')})`);
  }
  return {
    quick,
    json: values.json === true,
    orders: int('orders', defaults.orders),
    concurrency: int('concurrency', defaults.concurrency),
    events: int('events', defaults.events),
    projectionOrders:
      values['projection-orders'] !== undefined
        ? positiveInt('projection-orders', values['projection-orders'])
        : defaults.projectionOrders,
    requests: int('requests', defaults.requests),
    instances: [...new Set(instances)].sort((a, b) => a - b),
    shapes: [...new Set(shapes)] as SagaShape[],
    only: only as BenchmarkName[],
    ...(values.out !== undefined && { out: values.out }),
    ...(values.svg !== undefined && { svg: values.svg }),
  };
}
