import type { Result } from './projection';
import type { BenchResult } from './report';

/**
 * bench/projection.ts's result as a row of the runner's table: against the bare consumer, and
 * on a line of its own against the former baseline (the bare bulk write), so that earlier
 * figures stay comparable.
 */
export function projectionRow(r: Result, instances: number): BenchResult {
  return {
    name: `projection x${instances}`,
    subject: {
      label: 'projector from topic',
      value: r.projector.eventsPerSecond,
      unit: 'events/s',
    },
    baseline: {
      label: 'bare kafkajs consumer',
      value: r.baseline.eventsPerSecond,
      unit: 'events/s',
    },
    ratio: r.ratio,
    alsoAgainst: [
      {
        baseline: {
          label: 'bare bulkWrite upsert (former)',
          value: r.bulkWrite.eventsPerSecond,
          unit: 'events/s',
        },
        ratio: r.ratioVsBulkWrite,
      },
    ],
    details: {
      events: r.events,
      partitions: r.partitions,
      steady_events_per_s: r.projector.steadyEventsPerSecond,
      fill_seconds: r.fillSeconds,
      bare_consumer_batches: r.baseline.batches,
      bulk_write_events_per_s: r.bulkWrite.eventsPerSecond,
      instance_partitions: r.instances.map((i) => i.partitions.join('+') || '-').join('/'),
      instance_applied: r.instances.map((i) => i.applied).join('/'),
      version_mismatches: r.versionMismatches,
      phase_seconds: r.phaseSeconds,
    },
  };
}
