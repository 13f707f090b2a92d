import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { PartitionLag } from './lag';
import type { BatchPlan } from '../fold/plan-batch';

export interface ProjectionMetrics {
  recordBatch(counts: BatchPlan['counts'], seconds: number): void;
  /** The partition was read again from the read model's own (earlier) position. */
  recordRewind(partition: number): void;
}

/**
 * Projection metrics on the registry the process passes in (never the global one, so two
 * projectors in one process — a test, a rebuild — do not collide). Lag is read when scraped.
 */
export function createProjectionMetrics(options: {
  registry: Registry;
  groupId: string;
  topic: string;
  lag?: () => Promise<PartitionLag[]>;
}): ProjectionMetrics {
  const registers = [options.registry];
  // A projector restarted in the same process (after a rebuild's switch) replaces its series.
  for (const name of [
    'order_projection_events_total',
    'order_projection_batch_duration_seconds',
    'order_projection_consumer_lag',
    'order_projection_rewinds_total',
  ]) {
    options.registry.removeSingleMetric(name);
  }
  const labels = { group: options.groupId, topic: options.topic };
  const events = new Counter({
    name: 'order_projection_events_total',
    help: 'Events consumed by the projector, by outcome (applied, duplicate, unknown_type, dead_lettered).',
    labelNames: ['group', 'topic', 'outcome'],
    registers,
  });
  const batches = new Histogram({
    name: 'order_projection_batch_duration_seconds',
    help: 'Time to project one consumed batch, writes included.',
    labelNames: ['group', 'topic'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const rewinds = new Counter({
    name: 'order_projection_rewinds_total',
    help: 'Times a partition was read again because the read model’s own position was behind the consumer’s (writes lost).',
    labelNames: ['group', 'topic', 'partition'],
    registers,
  });
  const lagSource = options.lag;
  new Gauge({
    name: 'order_projection_consumer_lag',
    help: 'Messages between the group’s committed offset and the end of each partition.',
    labelNames: ['group', 'topic', 'partition'],
    registers,
    async collect() {
      if (!lagSource) return;
      this.reset();
      try {
        for (const p of await lagSource()) {
          this.set({ ...labels, partition: String(p.partition) }, p.lag);
        }
      } catch {
        // A scrape during a broker outage shows no lag series rather than failing the scrape.
      }
    },
  });
  // Zero-initialised so a dashboard shows 0, not "no data", before the first event.
  for (const outcome of ['applied', 'duplicate', 'unknown_type', 'dead_lettered']) {
    events.inc({ ...labels, outcome }, 0);
  }
  return {
    recordBatch(counts, seconds) {
      events.inc({ ...labels, outcome: 'applied' }, counts.applied);
      events.inc({ ...labels, outcome: 'duplicate' }, counts.duplicate);
      events.inc({ ...labels, outcome: 'unknown_type' }, counts.unknownType);
      events.inc({ ...labels, outcome: 'dead_lettered' }, counts.deadLettered);
      batches.observe(labels, seconds);
    },
    recordRewind(partition) {
      rewinds.inc({ ...labels, partition: String(partition) });
    },
  };
}
