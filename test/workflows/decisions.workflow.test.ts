import type { WorkflowHandle } from '@temporalio/client';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { waitForState } from '../../testing/saga-test-env';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import { approveOrderUpdate, cancelOrderUpdate, rejectOrderUpdate } from '../../workflows/client';
import { BIG_ORDER, sagaTestEnvPerFile, startOrder } from './saga-test-file';

// Who decided and why reach the events and the Temporal UI: support's approval and rejection
// (decidedBy, note), and a cancellation's requester and reason. Nothing the messages carry is
// dropped.

let t: SagaTestEnv;
sagaTestEnvPerFile((env) => (t = env));

const dataOf = (orderId: string, type: string) =>
  t.fakes.events(orderId).find((e) => e.type === type)?.data;
/** A large order, started and waiting for support's decision. */
async function awaitingApproval() {
  const started = await startOrder(t, {}, BIG_ORDER);
  await waitForState(started.handle, (s) => s.status === 'AWAITING_APPROVAL');
  return started;
}
const detailsOf = async (handle: WorkflowHandle) =>
  (await handle.query(workflowMetadataQuery)).currentDetails;

it("an approval carries support's subject and note into OrderApproved", async () => {
  const { input, handle } = await awaitingApproval();
  await handle.executeUpdate(approveOrderUpdate, {
    args: [{ decidedBy: 'support-7', note: 'known customer' }],
  });
  await waitForState(handle, (s) => s.steps.approval === 'SUCCEEDED');
  expect(dataOf(input.orderId, 'OrderApproved')).toEqual({
    decidedBy: 'support-7',
    note: 'known customer',
  });
  expect((await handle.result()).status).toBe('COMPLETED');
});

it('a rejection carries them into OrderRejected, OrderCancelled and the UI', async () => {
  const decision = { decidedBy: 'support-7', note: 'address looks wrong' };
  const { input, handle } = await awaitingApproval();
  await handle.executeUpdate(rejectOrderUpdate, { args: [decision] });
  expect((await handle.result()).cancellationReason).toBe('APPROVAL_REJECTED');
  expect(dataOf(input.orderId, 'OrderRejected')).toEqual({
    reason: 'APPROVAL_REJECTED',
    ...decision,
  });
  expect(dataOf(input.orderId, 'OrderCancelled')).toEqual({
    reason: 'APPROVAL_REJECTED',
    message: 'Rejected by support.',
    ...decision,
  });
  expect(await detailsOf(handle)).toBe(
    'CANCELLED — APPROVAL_REJECTED: Rejected by support., decided by support-7 ' +
      '("address looks wrong"); nothing awaited',
  );
});

it('a rejection by the deadline names nobody', async () => {
  const { input, handle } = await startOrder(t, {}, BIG_ORDER);
  expect((await handle.result()).cancellationReason).toBe('APPROVAL_TIMEOUT');
  expect(dataOf(input.orderId, 'OrderRejected')).toEqual({ reason: 'APPROVAL_TIMEOUT' });
  expect(dataOf(input.orderId, 'OrderCancelled')).toEqual({
    reason: 'APPROVAL_TIMEOUT',
    message: 'No support decision in time.',
  });
});

it('a cancellation carries who asked and why into OrderCancelled and the UI', async () => {
  const { input, handle } = await awaitingApproval();
  await handle.executeUpdate(cancelOrderUpdate, {
    args: [{ decidedBy: 'support-7', reason: 'customer called' }],
  });
  expect((await handle.result()).cancellationReason).toBe('CUSTOMER_CANCELLED');
  expect(dataOf(input.orderId, 'OrderCancelled')).toEqual({
    reason: 'CUSTOMER_CANCELLED',
    message: 'Cancelled by the customer.',
    decidedBy: 'support-7',
    note: 'customer called',
  });
  expect(await detailsOf(handle)).toMatch(/decided by support-7 \("customer called"\)/);
});

it('a second cancellation changes nothing: the first request is the one recorded', async () => {
  const gate = t.fakes.gate();
  const { input, handle } = await startOrder(t, {
    reserveInventory: async (i) => {
      await gate.opened;
      return { reservationId: i.idempotencyKey, items: i.items };
    },
  });
  await waitForState(handle, (s) => s.steps.reserveInventory === 'RUNNING');
  await handle.executeUpdate(cancelOrderUpdate, { args: [{ decidedBy: 'alice' }] });
  await handle.executeUpdate(cancelOrderUpdate, { args: [{ decidedBy: 'support-7' }] });
  gate.open();
  expect((await handle.result()).cancellationReason).toBe('CUSTOMER_CANCELLED');
  expect(dataOf(input.orderId, 'OrderCancelled')).toMatchObject({ decidedBy: 'alice' });
});
