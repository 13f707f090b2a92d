import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { SearchAttributePair } from '@temporalio/common';
import { orderWorkflowId, TASK_QUEUES } from '../contracts/order';
import type { OrderSagaInput } from '../contracts/order';
import { CustomerIdKey, OrderStatusKey } from '../contracts/search-attributes';

/** The saga's workflow type name, for clients that start it by name. */
export const ORDER_SAGA_WORKFLOW_TYPE = 'orderSaga';

/**
 * Options for `client.workflow.start(orderSaga, { ...orderWorkflowStartOptions(input), args:
 * [input] })`. No I/O: the API and scripts import it.
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
