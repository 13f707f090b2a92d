// The example of docs/testing.md (test/docs/testing-guide.unit.test.ts keeps the two equal).
import { business, orderInput } from '../../testing/fake-services';
import { createSagaTestEnv, waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';

jest.setTimeout(60_000);

// One time-skipping server and one worker per task queue for the whole file.
let t: SagaTestEnv;
beforeAll(async () => {
  t = await createSagaTestEnv();
});
afterAll(async () => {
  await t?.shutdown();
});

it('a large order nobody decides on is cancelled after 24 hours, with nothing to undo', async () => {
  // Given an order above the approval threshold (101 × 1 000 > 100 000)...
  const input = orderInput({ items: [{ sku: 'SKU-BIG', quantity: 101 }] });
  // ...and services that succeed (unless overridden, per activity, for this order only).
  t.fakes.scenario(input.orderId, {
    reserveInventory: () => Promise.reject(business('OutOfStock')), // never reached
  });
  const handle = await t.start(input);

  // When it waits for support (time does not skip while the test polls a query)...
  const waiting = await waitForState(handle, (s) => s.status === 'AWAITING_APPROVAL');
  expect(waiting.steps.approval).toBe('RUNNING');

  // ...and nobody decides: awaiting the result lets the server skip the 24-hour timer.
  const before = await t.env.currentTimeMs();
  const result = await handle.result();
  expect((await t.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);

  // Then the order is cancelled, nothing ran that needs undoing, and the events tell the story.
  expect(result).toMatchObject({ status: 'CANCELLED', cancellationReason: 'APPROVAL_TIMEOUT' });
  expect(t.fakes.calls(input.orderId)).toEqual(['priceOrder']);
  expect(t.fakes.events(input.orderId).map((e) => e.type)).toEqual([
    'OrderPlaced',
    'OrderPriced',
    'OrderAwaitingApproval',
    'OrderRejected',
    'OrderCancelled',
  ]);
});
