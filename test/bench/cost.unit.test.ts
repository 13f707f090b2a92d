import { costPerUnit, costTable, formatCostTable, processKind } from '../../bench/cost';
import { activationCounts, dbRoleOf, requestCounts } from '../../bench/counters';
import { parseExposition } from '../../bench/prometheus';

describe('cost per unit of work', () => {
  it('sums the instances of a process and divides increases by the units', () => {
    expect(processKind('worker-orders#2')).toBe('worker-orders');
    const per = costPerUnit(
      { cpu: { api: 1, 'worker-orders': 2, 'worker-orders#2': 2 }, counts: { 'a:x': 10 } },
      {
        cpu: { api: 2, 'worker-orders': 3, 'worker-orders#2': 4, late: 9 },
        counts: { 'a:x': 30, 'a:new': 4 },
      },
      4,
    );
    expect(per).toEqual({
      'cpu_ms:api': 250,
      'cpu_ms:worker-orders': 750, // (1 + 2) s over 4 units
      'a:x': 5,
      'a:new': 1, // first seen after `before`: counted from 0
    });
  });

  it('tabulates groups in order, totals first, items largest first, unmeasured as null', () => {
    const table = costTable(
      ['saga order', 'bare5 workflow'],
      [
        {
          'cpu_ms:api': 40,
          'cpu_ms:temporal': 90,
          'mongo_commands:read.orders find': 3,
          'mongo_commands:api.idempotency insert': 1,
          'mongo_commands:read.orders getMore': 0.01,
          'workflow_tasks:': 6,
          'activations:': 12,
        },
        { 'cpu_ms:temporal': 80, 'workflow_tasks:': 6 },
      ],
    );
    expect(table.lines).toEqual([
      { group: 'cpu_ms', item: 'total', values: [130, 80] },
      { group: 'cpu_ms', item: 'temporal', values: [90, 80] },
      { group: 'cpu_ms', item: 'api', values: [40, 0] },
      { group: 'mongo_commands', item: 'total', values: [4.01, null] },
      { group: 'mongo_commands', item: 'read.orders find', values: [3, null] },
      { group: 'mongo_commands', item: 'api.idempotency insert', values: [1, null] },
      { group: 'workflow_tasks', item: '', values: [6, 6] },
      { group: 'activations', item: '', values: [12, null] },
    ]);
    const text = formatCostTable('saga x1: cost per unit', table).split('\n');
    expect(text[0]).toMatch(/^saga x1: cost per unit\s+saga order\s+bare5 workflow$/);
    expect(text[1]).toMatch(/^CPU ms\s+total\s+130\s+80$/);
    expect(text[2]).toMatch(/^\s+temporal\s+90\s+80$/);
    expect(text[4]).toMatch(/^MongoDB commands\s+total\s+4\.01\s+-$/);
    expect(text[8]).toMatch(/^activations\s+12\s+-$/);
  });
});

describe('counters of a snapshot', () => {
  const dbRole = dbRoleOf({ read: 'read_bench_1', api: 'api_bench_1' });

  it('keys MongoDB commands by database role and collection, Kafka requests by client', () => {
    const samples = parseExposition(`
mongodb_commands_total{database="read_bench_1",collection="orders",command="find"} 5
mongodb_commands_total{database="api_bench_1",collection="",command="commitTransaction"} 1
mongodb_commands_total{database="admin",collection="x",command="find"} 2
kafka_requests_total{client="order-projector",api="Fetch"} 7
kafka_requests_total{client="order-projector",api="OffsetCommit"} 3
`);
    expect(requestCounts(samples, dbRole, (c) => `<${c}>`)).toEqual({
      'mongo_commands:read.orders find': 5,
      'mongo_commands:api commitTransaction': 1,
      'mongo_commands:admin.x find': 2,
      'kafka_requests:<order-projector> Fetch': 7,
      'kafka_requests:<order-projector> OffsetCommit': 3,
    });
  });

  it("counts the activations of one namespace, whichever case the SDK's labels come in", () => {
    const samples = parseExposition(`
bench_workflow_activations_total{namespace="ns",taskQueue="orders",workflowType="orderSaga"} 26
bench_workflow_activations_total{namespace="ns",task_queue="bench-bare5-orders",workflow_type="bareWorkflow"} 12
bench_workflow_activations_total{namespace="other",taskQueue="orders",workflowType="orderSaga"} 99
`);
    expect(activationCounts(samples, 'ns')).toEqual({
      'workflow_activations:orderSaga orders': 26,
      'workflow_activations:bareWorkflow bench-bare5-orders': 12,
    });
  });
});
