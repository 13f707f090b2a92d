import type { Logger } from '../../lib/logger';
import { READY, type Readiness, notReady } from '../../lib/process-readiness';
import { repeatWithoutOverlap } from '../../lib/repeat';
import type { PartitionLag } from './lag';

/** How often readiness compares the group's committed offsets with its targets. */
const CATCH_UP_CHECK_MS = 500;

/**
 * Until the instance is ready: compares the committed offsets of the partitions assigned to it
 * with the end offsets the topic had at the first check after the join (events published later
 * are the ordinary flow, not a backlog), and reports ready once none is behind. Returns the stop.
 */
export function watchCatchUp(w: {
  log: Logger;
  lag: () => Promise<PartitionLag[]>;
  assigned: () => readonly number[];
  isReady: () => boolean;
  onChange: (readiness: Readiness) => void;
}): () => void {
  let targets: Map<number, number> | undefined;
  let stop = () => {};
  const check = async () => {
    if (w.isReady()) return stop();
    const positions = await w.lag();
    if (w.isReady()) return; // stopped or failed meanwhile: that state stands
    targets ??= new Map(positions.map((p) => [p.partition, p.end]));
    const readiness = catchUpReadiness(w.assigned(), positions, targets);
    if (readiness.ready) w.log.info('caught up with the topic: ready');
    w.onChange(readiness);
  };
  const checkLogged = () =>
    check().catch((error: unknown) => w.log.debug({ err: error }, 'checking the catch-up failed'));
  void checkLogged();
  stop = repeatWithoutOverlap(CATCH_UP_CHECK_MS, checkLogged);
  return () => stop();
}

/** Ready when no partition assigned to the instance has its committed offset before its target. */
export function catchUpReadiness(
  assigned: readonly number[],
  positions: readonly PartitionLag[],
  targets: ReadonlyMap<number, number>,
): Readiness {
  const behind = positions
    .filter((p) => assigned.includes(p.partition))
    .map((p) => ({ partition: p.partition, left: (targets.get(p.partition) ?? 0) - p.committed }))
    .filter((p) => p.left > 0);
  if (behind.length === 0) return READY;
  const events = behind.reduce((n, p) => n + p.left, 0);
  const partitions = behind.map((p) => p.partition).join(', ');
  return notReady(`catching up: ${events} events to project on partition(s) ${partitions}`);
}
