import { business } from '../../testing/fake-services';
import type { Overrides } from '../../testing/fake-services';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import { ACTIVITY_STEPS, SAGA_STEP_TABLE, specifyFailure } from '../../workflows/saga-steps';
import type { ActivityStep, ServiceFailureType } from '../../workflows/saga-steps';
import { eventTypesOf, sagaTestEnvPerFile, startOrder } from './saga-test-file';

// The workflow does what its step table specifies (saga-steps.unit.test.ts reads the table):
// for every business failure a step declares, the order ends with the declared reason, after
// the compensations and the events the table derives.

let t: SagaTestEnv;
sagaTestEnvPerFile((env) => (t = env));

const declaredFailures = ACTIVITY_STEPS.flatMap((step) =>
  Object.keys(SAGA_STEP_TABLE[step].failures).map(
    (type) => [step, type as ServiceFailureType] as const,
  ),
);

/** The step fails with `type`; its own undo finds nothing, every other undo finds something. */
function failing(step: ActivityStep, type: ServiceFailureType): Overrides {
  const found = (undo: ActivityStep) => undo !== step;
  return {
    [step]: () => Promise.reject(business(type, `${type} in ${step}`)),
    releaseInventory: () => Promise.resolve({ released: found('reserveInventory') }),
    voidPayment: () => Promise.resolve({ voided: found('authorizePayment') }),
    cancelShipment: () => Promise.resolve({ cancelled: found('createShipment') }),
    refundPayment: () => Promise.resolve({ refunded: found('capturePayment'), amount: 0 }),
  };
}

it.each(declaredFailures)('%s failing with %s: as the table specifies', async (step, type) => {
  const spec = specifyFailure(step, type);
  expect(spec).toBeDefined();
  const { input, handle } = await startOrder(t, failing(step, type));
  const result = await handle.result();
  expect(result.status).toBe('CANCELLED');
  expect(result.cancellationReason).toBe(spec?.reason);
  expect(result.failure).toEqual({ step, message: `${type} in ${step}` });
  expect(result.steps[step]).toBe(spec?.compensations.length ? 'COMPENSATED' : 'FAILED');
  const forward = ACTIVITY_STEPS.slice(0, ACTIVITY_STEPS.indexOf(step) + 1);
  expect(t.fakes.calls(input.orderId)).toEqual([...forward, ...(spec?.compensations ?? [])]);
  expect(eventTypesOf(t, input.orderId)).toEqual([
    'OrderPlaced',
    ...(spec?.before ?? []),
    ...(spec?.after ?? []),
  ]);
  const cancelled = t.fakes.events(input.orderId).at(-1);
  expect(cancelled?.data).toEqual({ reason: spec?.reason, message: `${type} in ${step}` });
});

it('a failure its step does not declare is a defect: the workflow task fails, nothing is undone', async () => {
  // ReservationReleased only reaches a late attempt after its own undo (LATE_ATTEMPT_FAILURES).
  const { input, handle } = await startOrder(t, {
    reserveInventory: () => Promise.reject(business('ReservationReleased', 'released before')),
  });
  const taskFailure = async () => {
    const { events } = await handle.fetchHistory();
    return events?.find((e) => e.workflowTaskFailedEventAttributes)
      ?.workflowTaskFailedEventAttributes?.failure?.message;
  };
  const deadline = Date.now() + 10_000;
  while (!(await taskFailure()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(await taskFailure()).toMatch(
    /Unexpected failure in step reserveInventory: released before/,
  );
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(t.fakes.calls(input.orderId)).toEqual(['priceOrder', 'reserveInventory']);
  await handle.terminate('test done');
});
