import type { OrderSagaInput } from '../../contracts/order';
import { orderInput, type Gate, type Overrides } from '../../testing/fake-services';
import { createSagaTestEnv, waitForState, type SagaTestEnv } from '../../testing/saga-test-env';

// What the saga's time-skipping test files share. docs/testing.md's example writes the set-up out
// (test/workflows/example-approval-timeout.workflow.test.ts); the other files call
// `sagaTestEnvPerFile`.

/**
 * One time-skipping server and a worker per task queue for the whole file (bundling per test is
 * slow), handed to `ready` before the first test and shut down after the last; with `startOrder`
 * and `eventTypesOf` on it, for the file's tests.
 */
export function sagaTestEnvPerFile(ready: (t: SagaTestEnv) => void) {
  jest.setTimeout(60_000);
  let env: SagaTestEnv | undefined;
  beforeAll(async () => {
    env = await createSagaTestEnv();
    ready(env);
  });
  afterAll(async () => {
    await env?.shutdown();
  });
  const started = (): SagaTestEnv => {
    if (!env) throw new Error('the saga test environment starts in beforeAll');
    return env;
  };
  return {
    startWith: (overrides: Overrides, extra: Partial<OrderSagaInput> = {}) =>
      startOrder(started(), overrides, extra),
    eventTypes: (orderId: string) => eventTypesOf(started(), orderId),
  };
}

/** Above the approval threshold: 101 × 1 000 > 100 000, so support must decide. */
export const BIG_ORDER = { items: [{ sku: 'SKU-BIG', quantity: 101 }] };
/** The arguments of a customer's cancellation and of support's decisions. */
export const CANCEL = { args: [{ reason: 'changed my mind' }] as [{ reason: string }] };
export const SUPPORT = { args: [{ decidedBy: 'support-1' }] as [{ decidedBy: string }] };

/** Starts an order (`extra` over the default input) whose activities behave as `overrides` say. */
export async function startOrder(
  t: SagaTestEnv,
  overrides: Overrides,
  extra: Partial<OrderSagaInput> = {},
) {
  const input = orderInput(extra);
  t.fakes.scenario(input.orderId, overrides);
  return { input, handle: await t.start(input) };
}

/** The types of the events an order emitted, in order. */
export const eventTypesOf = (t: SagaTestEnv, orderId: string): string[] =>
  t.fakes.events(orderId).map((e) => e.type);

/**
 * An order held once its shipment exists, before the capture (too late to cancel); `gate.open()`
 * lets it complete.
 */
export async function orderHeldBeforeCapture(t: SagaTestEnv) {
  const gate: Gate = t.fakes.gate();
  const started = await startOrder(t, {
    capturePayment: async (i) => {
      await gate.opened;
      return { paymentId: i.paymentId, amount: 0 };
    },
  });
  await waitForState(started.handle, (s) => s.status === 'SHIPMENT_CREATED');
  return { ...started, gate };
}

/**
 * An order held while its reservation runs (the stock is taken, the answer not yet back);
 * `gate.open()` lets the reservation answer.
 */
export async function orderHeldInReservation(t: SagaTestEnv) {
  const gate: Gate = t.fakes.gate();
  const started = await startOrder(t, {
    reserveInventory: async (i) => {
      await gate.opened;
      return { reservationId: i.idempotencyKey, items: i.items };
    },
  });
  await waitForState(started.handle, (s) => s.steps.reserveInventory === 'RUNNING');
  return { ...started, gate };
}
