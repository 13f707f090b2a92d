import { parseExposition, sumBy } from '../../bench/prometheus';

const EXPOSITION = `# HELP mongodb_commands_total MongoDB commands sent by this process
# TYPE mongodb_commands_total counter
mongodb_commands_total{database="read_x",collection="orders",command="find"} 12
mongodb_commands_total{database="read_x",collection="",command="commitTransaction"} 2
kafka_requests_total{client="order-projector",api="Fetch"} 3.5e1
temporal_local_activity_total{namespace="ns",task_queue="orders",service_name="temporal-core-sdk"} 6 1700000000000
weird{path="a \\"quoted\\" \\\\ value",x="}"} 1
process_cpu_seconds_total 1.25
broken{a="b"} NaN
`;

describe('Prometheus exposition', () => {
  it('reads names, labels (escapes and braces inside values) and values, skipping the rest', () => {
    const samples = parseExposition(EXPOSITION);
    expect(samples.map((s) => s.name)).toEqual([
      'mongodb_commands_total',
      'mongodb_commands_total',
      'kafka_requests_total',
      'temporal_local_activity_total',
      'weird',
      'process_cpu_seconds_total',
    ]);
    expect(samples[0]).toEqual({
      name: 'mongodb_commands_total',
      labels: { database: 'read_x', collection: 'orders', command: 'find' },
      value: 12,
    });
    expect(samples[2].value).toBe(35);
    expect(samples[3].value).toBe(6); // the timestamp is not the value
    expect(samples[4].labels).toEqual({ path: 'a "quoted" \\ value', x: '}' });
    expect(samples[5]).toEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 1.25 });
  });

  it('sums one metric by a key, leaving out what the key rejects', () => {
    const samples = parseExposition(EXPOSITION);
    expect(sumBy(samples, 'mongodb_commands_total', (l) => l.database)).toEqual(
      new Map([['read_x', 14]]),
    );
    expect(
      sumBy(samples, 'mongodb_commands_total', (l) => (l.collection ? l.command : undefined)),
    ).toEqual(new Map([['find', 12]]));
  });
});
