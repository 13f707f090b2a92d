import type { MetricMeter } from '@temporalio/common';
import { Counter, type Registry } from 'prom-client';

/**
 * Where a process counts: a prom-client registry (the API, the projector) or a Temporal
 * runtime's meter (a worker process, whose Core runtime serves it on WORKER_METRICS_ADDRESS with
 * the SDK's metrics).
 */
export type ProcessMetrics = Registry | MetricMeter;

/**
 * An increment of counter `name` on `metrics`; on a registry, the counter already registered
 * under `name` is reused, so every client of a process adds to one counter.
 */
export function processCounter<L extends string>(
  metrics: ProcessMetrics,
  counter: { name: string; help: string; labelNames: readonly L[] },
): (labels: Record<L, string>) => void {
  if ('getSingleMetric' in metrics) {
    const registered =
      (metrics.getSingleMetric(counter.name) as Counter<L> | undefined) ??
      new Counter({ ...counter, registers: [metrics] });
    return (labels) => registered.inc(labels);
  }
  const created = metrics.createCounter(counter.name, undefined, counter.help);
  return (labels) => created.add(1, labels);
}
