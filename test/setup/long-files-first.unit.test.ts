// The suite's order: the chaos file (minutes long) must not start last.
import { tierOf } from './long-files-first';

const at = (path: string) => tierOf({ path });

it('orders the tiers longest first, unknown files last', () => {
  const files = [
    'test/api/app.unit.test.ts',
    'test/e2e/order-flow.e2e.test.ts',
    'test/chaos/faults.chaos.test.ts',
    'test/projections/projector.int.test.ts',
    'test/secure/secure-stack.secure.test.ts',
    'test/workflows/replay.workflow.test.ts',
    'test/contract/openapi.contract.test.ts',
    'test/other.ts',
  ];
  expect([...files].sort((a, b) => at(a) - at(b))).toEqual([
    'test/chaos/faults.chaos.test.ts',
    'test/e2e/order-flow.e2e.test.ts',
    'test/secure/secure-stack.secure.test.ts',
    'test/projections/projector.int.test.ts',
    'test/workflows/replay.workflow.test.ts',
    'test/contract/openapi.contract.test.ts',
    'test/api/app.unit.test.ts',
    'test/other.ts',
  ]);
});
