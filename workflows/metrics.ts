import { metricMeter } from '@temporalio/workflow';
import type { CancellationReason } from '../contracts/order';
import type { CompensationStep } from './compensations';

// The saga's own Prometheus metrics, emitted through the Temporal SDK's workflow meter: the
// worker forwards them to its Core runtime, so they appear next to the SDK's metrics on
// WORKER_METRICS_ADDRESS (workers/run-worker.ts). The SDK drops every emission while the workflow
// is replaying, so a replay (cache eviction, worker restart) never counts an order twice; a
// workflow task that emitted and then failed to complete is retried and may count again.
// Besides the labels below, the SDK adds `namespace`, `taskQueue` and `workflowType`.

/** What the saga emits; the dashboard test (test/deploy/k8s.unit.test.ts) reads it. */
export const SAGA_METRICS = {
  outcomes: {
    name: 'order_saga_outcomes_total',
    kind: 'counter',
    labels: ['status', 'reason'],
    help: 'Sagas that ended, by final status (COMPLETED, CANCELLED) and cancellation reason (none when completed).',
  },
  compensationRuns: {
    name: 'order_saga_compensation_runs_total',
    kind: 'counter',
    labels: ['step'],
    help: 'Compensation attempts by step: one per run, and one more per retry support asks for.',
  },
  compensationFailures: {
    name: 'order_saga_compensation_failures_total',
    kind: 'counter',
    labels: ['step'],
    help: 'Compensations that failed after their own retries, by step: each leaves the order COMPENSATION_FAILED.',
  },
} as const;

export interface SagaMetrics {
  ended(status: 'COMPLETED' | 'CANCELLED', reason?: CancellationReason): void;
  compensationStarted(step: CompensationStep): void;
  compensationFailed(step: CompensationStep): void;
}

/** Call inside the workflow function: the workflow meter only works in workflow context. */
export function createSagaMetrics(): SagaMetrics {
  const counter = (m: { name: string; help: string }) =>
    metricMeter.createCounter(m.name, undefined, m.help);
  const outcomes = counter(SAGA_METRICS.outcomes);
  const runs = counter(SAGA_METRICS.compensationRuns);
  const failures = counter(SAGA_METRICS.compensationFailures);
  return {
    ended: (status, reason) => outcomes.add(1, { status, reason: reason ?? 'none' }),
    compensationStarted: (step) => runs.add(1, { step }),
    compensationFailed: (step) => failures.add(1, { step }),
  };
}
