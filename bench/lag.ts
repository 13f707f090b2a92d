// Projection lag from two independent observations of the same partitions: when each event
// occurred (its ce_time, read by an observer consumer) and when the projector committed a
// chunk up to some offset (its onProgress). An event is in the read model once a chunk ending
// at or after its offset is committed, so its lag is that commit's time minus occurredAt.

export interface ObservedEvent {
  partition: number;
  offset: number;
  occurredAt: number;
  /** When the producer sent it (the Kafka message's CreateTime timestamp). */
  sentAt?: number;
}

export interface CommitMark {
  partition: number;
  offset: number;
  at: number;
}

/**
 * Lag (ms) of every event a commit covers, measured from `from(event)` (default: when it
 * occurred; `sentAt` gives the projector's own share); events no commit covers are left out.
 */
export function projectionLags(
  events: readonly ObservedEvent[],
  marks: readonly CommitMark[],
  from: (event: ObservedEvent) => number = (e) => e.occurredAt,
): number[] {
  const byPartition = new Map<number, CommitMark[]>();
  for (const m of marks) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
  // Per partition, the earliest time each offset was covered: marks sorted by offset, with the
  // running minimum of `at` taken from the highest offset down (a later, smaller commit after
  // a rebalance must not make an earlier coverage look later).
  const covered = new Map<number, { offset: number; at: number }[]>();
  for (const [p, list] of byPartition) {
    const sorted = [...list].sort((a, b) => a.offset - b.offset);
    let earliest = Number.POSITIVE_INFINITY;
    const out: { offset: number; at: number }[] = [];
    for (let i = sorted.length - 1; i >= 0; i--) {
      earliest = Math.min(earliest, sorted[i].at);
      out.unshift({ offset: sorted[i].offset, at: earliest });
    }
    covered.set(p, out);
  }
  const lags: number[] = [];
  for (const e of events) {
    const list = covered.get(e.partition);
    if (!list) continue;
    // First mark with offset >= the event's (binary search).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].offset < e.offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo < list.length) lags.push(Math.max(0, list[lo].at - from(e)));
  }
  return lags;
}
