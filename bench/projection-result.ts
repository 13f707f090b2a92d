import type { Result } from './projection';
import type { BenchResult } from './report';

/** bench/projection.ts's result as a row of the runner's table. */
export function projectionRow(r: Result, instances: number): BenchResult {
  return {
    name: `projection x${instances}`,
    subject: {
      label: 'projector from topic',
      value: r.projector.eventsPerSecond,
      unit: 'events/s',
    },
    baseline: {
      label: 'bare bulkWrite upsert',
      value: r.baseline.eventsPerSecond,
      unit: 'events/s',
    },
    ratio: r.ratio,
    details: {
      events: r.events,
      partitions: r.partitions,
      steady_events_per_s: r.projector.steadyEventsPerSecond,
      fill_seconds: r.fillSeconds,
      instance_partitions: r.instances.map((i) => i.partitions.join('+') || '-').join('/'),
      instance_applied: r.instances.map((i) => i.applied).join('/'),
      version_mismatches: r.versionMismatches,
      phase_seconds: r.phaseSeconds,
    },
  };
}
