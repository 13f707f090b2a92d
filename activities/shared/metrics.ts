import { Context } from '@temporalio/activity';
import { noopMetricMeter } from '@temporalio/common';
import type { MetricMeter } from '@temporalio/common';

// Activity metrics go through the Temporal SDK's meter, like the saga's (workflows/metrics.ts):
// the worker's Core runtime serves them on WORKER_METRICS_ADDRESS next to the SDK's own
// (temporal_activity_execution_latency, …). Within an activity the SDK adds the labels
// `namespace`, `taskQueue` and `activityType`.

/** What the activities emit; the dashboard test (test/deploy/k8s.unit.test.ts) reads it. */
export const ACTIVITY_METRICS = {
  publishDuration: {
    name: 'order_saga_event_publish_duration_milliseconds',
    kind: 'histogram',
    labels: ['topic', 'event_type', 'outcome'],
    help: 'Time to publish one domain event to Kafka until all in-sync replicas acknowledged it (outcome published) or the producer gave up (outcome failed), in milliseconds.',
  },
  publishErrors: {
    name: 'order_saga_event_publish_errors_total',
    kind: 'counter',
    labels: ['topic', 'event_type', 'error'],
    help: 'Failed publishes of a domain event to Kafka, by error name; Temporal retries the activity.',
  },
} as const;

/**
 * Bucket bounds (milliseconds) for the Prometheus exporter (`histogramBucketOverrides`): the SDK's
 * default for a custom histogram starts at 50 ms, coarser than an acknowledged publish.
 */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [ACTIVITY_METRICS.publishDuration.name]: [
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
  ],
};

/** The running activity's meter (with its SDK labels); a no-op outside an activity, e.g. in unit tests. */
export function activityMetricMeter(): MetricMeter {
  try {
    return Context.current().metricMeter;
  } catch {
    // Context.current() throws outside an activity execution.
    return noopMetricMeter;
  }
}

/** What one send carried: its topic, and the type of each event in it (one per event). */
export type PublishLabels = { topic: string; eventTypes: readonly string[] };

/**
 * Times one send and counts its failure, per event it carried (the metrics are per domain
 * event: a send of two records two observations of its duration); the send's own outcome is
 * passed through.
 */
export async function measurePublish<T>(
  meter: MetricMeter,
  { topic, eventTypes }: PublishLabels,
  publish: () => Promise<T>,
): Promise<T> {
  const { publishDuration, publishErrors } = ACTIVITY_METRICS;
  const duration = meter.createHistogram(publishDuration.name, 'float', 'ms', publishDuration.help);
  const started = performance.now();
  const record = (outcome: 'published' | 'failed') => {
    const ms = Math.max(0, performance.now() - started);
    for (const event_type of eventTypes) duration.record(ms, { topic, event_type, outcome });
  };
  try {
    const result = await publish();
    record('published');
    return result;
  } catch (error) {
    record('failed');
    const errors = meter.createCounter(publishErrors.name, undefined, publishErrors.help);
    const name = error instanceof Error ? error.name : 'unknown';
    for (const event_type of eventTypes) errors.add(1, { topic, event_type, error: name });
    throw error;
  }
}
