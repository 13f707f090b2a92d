import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { SearchAttributePair } from '@temporalio/common';
import { orderWorkflowId } from '../contracts/order';
import { TASK_QUEUES } from '../contracts/services';
import type { OrderSagaInput } from '../contracts/order';
import { CustomerIdKey, OrderStatusKey } from '../contracts/search-attributes';
import type { orderSaga } from './order-saga';

// The order workflow's client side: everything a caller needs to start and steer an order saga
// (its type, start options, messages, refusal reasons, first event sequence). The only module of
// workflows/ that api/, scripts/, testing/ and system/ import. It runs in Node, never in the
// workflow sandbox: nothing here executes a workflow-only API when imported (the messages are
// only named with defineQuery/defineUpdate), and the workflow bundle does not include it.

export {
  approveOrderUpdate,
  CancelOrderInput,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  getOrderStateQuery,
  PaymentConfirmation,
  rejectOrderUpdate,
  retryCompensationUpdate,
  SupportDecision,
} from './messages';
export type { CompensationStep, OrderState, SagaStep, StepOutcome } from './messages';
export {
  UPDATE_REJECTION_MEANINGS,
  UPDATE_REJECTION_REASONS,
  UpdateRejectionReason,
} from './update-rejections';
export type { UpdateRejection } from './update-rejections';
export { isTooLateToCancel } from './order-state';
export type { OrderSagaSettings } from './order-saga';
/** The saga emits OrderPlaced first, with this sequence: read it with `minVersion`. */
export { FIRST_EVENT_SEQUENCE } from '../contracts/events';

/** The saga's workflow function, as a type: start it by name with `ORDER_SAGA_WORKFLOW_TYPE`. */
export type OrderSagaWorkflow = typeof orderSaga;

/** The saga's workflow type name (workflows/index.ts exports the function under it). */
export const ORDER_SAGA_WORKFLOW_TYPE = 'orderSaga';

/**
 * Options for `client.workflow.start<OrderSagaWorkflow>(ORDER_SAGA_WORKFLOW_TYPE, {
 * ...orderWorkflowStartOptions(input), args: [input] })`.
 */
export function orderWorkflowStartOptions(input: OrderSagaInput) {
  const items = input.items.reduce((n, item) => n + item.quantity, 0);
  return {
    workflowId: orderWorkflowId(input.orderId),
    taskQueue: TASK_QUEUES.orders,
    // One saga per order, ever: a second start while it runs fails (FAIL), and a start after it
    // closed is refused too (REJECT_DUPLICATE), so a retried POST cannot charge twice.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: CustomerIdKey, value: input.customerId },
      { key: OrderStatusKey, value: 'PENDING' },
    ] satisfies SearchAttributePair[],
    // Shown to support staff in the Temporal UI's User Metadata tab (UI 2.54), beside the
    // current details the saga keeps (workflows/current-details.ts).
    staticSummary: `Order ${input.orderId}: ${items} item(s) for customer ${input.customerId}, ${input.currency}, ship to ${input.shippingAddress.country}`,
    staticDetails: [
      `**Order** ${input.orderId}`,
      `**Customer** ${input.customerId}`,
      `**Items** ${input.items.map((i) => `${i.quantity} × ${i.sku}`).join(', ')}`,
      `**Ship to** ${input.shippingAddress.city}, ${input.shippingAddress.country}`,
    ].join('\n'),
  };
}
