import type { Admin } from 'kafkajs';
import { createConditionWatch } from '../../lib/condition-watch';
import type { PartitionLag } from './lag';

// kafkajs can stop consuming without the process noticing: a crash it does not restart from, a
// rejoin after "the coordinator is not aware of this member" that never completes (after a chunk
// outlived the session under load), or partitions that stop advancing with lag while the member
// looks stable. Each leaves a healthy-looking process that projects nothing, so each rule below
// reports it as fatal (the process exits and its supervisor starts a fresh one).

export interface LivenessLimits {
  /** Out of its group this long: a rejoin that never completes. */
  outOfGroupLimitMs: number;
  /** Lag and no chunk committed this long: a call that never returns, or a chunk always failing. */
  stallLimitMs: number;
  /**
   * Chunks failing with nothing written this long. A client can stay unable to select its
   * server long after the server is back, where a fresh process connects at once; this fires
   * before the slower stall rule. Longer than one server selection (30 s) of the driver.
   */
  failingLimitMs: number;
}

export interface Liveness {
  /** Checks that the instance is still a member of its group. */
  checkMembership: () => Promise<void>;
  /** Checks that partitions with lag see chunks committed. */
  checkProgress: () => Promise<void>;
  /** A chunk failed for another reason than a rewind. */
  chunkFailed: () => void;
  /** A chunk's writes are durable. */
  chunkWritten: () => void;
  /** A chunk's offset is committed. */
  chunkCommitted: () => void;
}

/** The liveness rules; `reportFatal` is told each rule that fires (bounded calls only). */
export function createLiveness(deps: {
  groupId: string;
  admin: Pick<Admin, 'describeGroups'>;
  lag: () => Promise<PartitionLag[]>;
  memberId: () => string | undefined;
  assigned: () => readonly number[];
  bounded: <T>(what: string, call: () => Promise<T>) => Promise<T>;
  limits: LivenessLimits;
  reportFatal: (error: Error) => void;
}): Liveness {
  const now = Date.now();
  const membership = createConditionWatch(
    `not a member of group ${deps.groupId}`,
    deps.limits.outOfGroupLimitMs,
    now,
  );
  const progress = createConditionWatch(
    'lag and no chunk committed',
    deps.limits.stallLimitMs,
    now,
  );
  // Like `progress`, but fed by the chunks themselves, so it fires before the slower stall rule.
  const chunks = createConditionWatch(
    'chunks failing with nothing written',
    deps.limits.failingLimitMs,
    now,
  );
  let chunksFailing = false;
  let committedSinceCheck = false;
  const fatalIf = (error: Error | undefined) => {
    if (error) deps.reportFatal(error);
  };
  return {
    async checkMembership() {
      const { groups } = await deps.bounded('describing the group', () =>
        deps.admin.describeGroups([deps.groupId]),
      );
      const memberId = deps.memberId();
      const isMember = groups[0]?.members.some((m) => m.memberId === memberId) === true;
      fatalIf(membership.observe(isMember, Date.now()));
    },
    async checkProgress() {
      const committed = await deps.bounded('reading the group lag', deps.lag);
      const assigned = deps.assigned();
      const behind = committed.some((c) => assigned.includes(c.partition) && c.lag > 0);
      const stalled = progress.observe(!behind || committedSinceCheck, Date.now());
      committedSinceCheck = false;
      fatalIf(stalled);
    },
    chunkFailed() {
      const at = Date.now();
      if (!chunksFailing) chunks.observe(true, at); // a streak of failures starts here
      chunksFailing = true;
      fatalIf(chunks.observe(false, at));
    },
    chunkWritten() {
      chunksFailing = false;
      chunks.observe(true, Date.now());
    },
    chunkCommitted() {
      committedSinceCheck = true;
    },
  };
}
