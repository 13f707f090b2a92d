/**
 * Idempotency key of one step of one saga. Workflow ids are unique per order (see
 * client.ts), so the key is the same on every retry and replay of that step and
 * different for every other step and order. Services store results under it.
 */
export const idempotencyKey = (workflowId: string, step: string): string => `${workflowId}:${step}`;
