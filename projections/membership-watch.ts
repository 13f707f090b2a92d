// Pure: decides when a consumer has been out of its group for too long (see projector.ts).

export interface MembershipWatch {
  /** Records one check; returns an error the first time the limit is passed, else undefined. */
  observe(isMember: boolean, now: number): Error | undefined;
}

/** `startedAt` counts as a confirmation: joining a group takes a while. */
export function createMembershipWatch(
  groupId: string,
  limitMs: number,
  startedAt: number,
): MembershipWatch {
  let memberSince = startedAt;
  let reported = false;
  return {
    observe(isMember, now) {
      if (isMember) {
        memberSince = now;
        return undefined;
      }
      if (reported || now - memberSince <= limitMs) return undefined;
      reported = true;
      return new Error(`not a member of group ${groupId} for ${now - memberSince} ms`);
    },
  };
}
