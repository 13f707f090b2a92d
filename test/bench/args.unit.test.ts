import { BENCHMARKS, parseBenchArgs } from '../../bench/args';

describe('parseBenchArgs', () => {
  it('defaults to the full run of every benchmark with 1 and 2 instances', () => {
    expect(parseBenchArgs([])).toEqual({
      quick: false,
      json: false,
      orders: 500,
      concurrency: 20,
      events: 5_000,
      projectionOrders: 500,
      requests: 10_000,
      instances: [1, 2],
      shapes: ['deployed'],
      only: [...BENCHMARKS],
    });
  });

  it('runs the saga rows deployed unless --shape says otherwise, each shape once', () => {
    expect(parseBenchArgs(['--shape', 'in-process']).shapes).toEqual(['in-process']);
    expect(parseBenchArgs(['--shape', 'deployed,in-process,deployed']).shapes).toEqual([
      'deployed',
      'in-process',
    ]);
  });

  it('--quick reduces the defaults; explicit values win', () => {
    const quick = parseBenchArgs(['--quick']);
    expect(quick.orders).toBeLessThan(500);
    expect(quick.projectionOrders).toBeLessThan(500);
    expect(quick.events).toBeLessThan(5_000);
    expect(quick.requests).toBeLessThan(10_000);
    expect(parseBenchArgs(['--quick', '--orders', '7']).orders).toBe(7);
    expect(
      parseBenchArgs(['--quick', '--projection-orders', '9', '--events', '8', '--requests', '6']),
    ).toMatchObject({ projectionOrders: 9, events: 8, requests: 6 });
  });

  it('reads files, instances and a selection', () => {
    const a = parseBenchArgs([
      '--json',
      '--out',
      'r.json',
      '--svg',
      'c.svg',
      '--instances',
      '2,1,2',
      '--only',
      'saga,api',
    ]);
    expect(a).toMatchObject({
      json: true,
      out: 'r.json',
      svg: 'c.svg',
      instances: [1, 2],
      only: ['saga', 'api'],
    });
  });

  it.each([
    [['--orders', '0']],
    [['--concurrency', 'x']],
    [['--projection-orders', '-1']],
    [['--only', 'nope']],
    [['--shape', 'cluster']],
    [['--unknown']],
  ])('rejects %j', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow();
  });
});
