// Pure: decides when a condition a process needs (a projector being a member of its group or
// making progress while it has lag, a worker reaching its database) has been false for too long
// (projections/runtime/projector.ts, workers/database-watch.ts).

export interface ConditionWatch {
  /** Records one check; returns an error the first time the limit is passed, else undefined. */
  observe(holds: boolean, now: number): Error | undefined;
}

/** `startedAt` counts as a time the condition held: joining a group takes a while. */
export function createConditionWatch(
  failing: string,
  limitMs: number,
  startedAt: number,
): ConditionWatch {
  let heldAt = startedAt;
  let reported = false;
  return {
    observe(holds, now) {
      if (holds) {
        heldAt = now;
        return undefined;
      }
      if (reported || now - heldAt <= limitMs) return undefined;
      reported = true;
      return new Error(`${failing} for ${now - heldAt} ms`);
    },
  };
}
