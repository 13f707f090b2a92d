// Where a workflow's time goes, from its history: per activity type (and for the workflow
// tasks, the workflow code's own turns), the time from scheduled to started (waiting in the
// task queue) and from started to closed (running), and the whole run. Pure over a minimal shape of history events (unit-tested); saga.ts feeds it real ones.

interface Timestamp {
  seconds?: { toNumber(): number } | number | null;
  nanos?: number | null;
}

export interface HistoryEventLike {
  eventId?: { toNumber(): number } | number | null;
  eventTime?: Timestamp | null;
  workflowExecutionStartedEventAttributes?: unknown;
  workflowExecutionCompletedEventAttributes?: unknown;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskTimedOutEventAttributes?: { scheduledEventId?: unknown } | null;
  workflowTaskScheduledEventAttributes?: unknown;
  workflowTaskStartedEventAttributes?: { scheduledEventId?: unknown } | null;
  workflowTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
  markerRecordedEventAttributes?: { markerName?: string | null } | null;
}

/** The marker the SDK records for each completed local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** The key under which workflow tasks (the workflow code's own turns) are summed. */
export const WORKFLOW_TASK = '(workflow task)';

const num = (x: unknown): number =>
  typeof x === 'number'
    ? x
    : x && typeof x === 'object' && 'toNumber' in x
      ? (x as { toNumber(): number }).toNumber()
      : Number(x);
const ms = (t: Timestamp | null | undefined): number =>
  t ? num(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;

export interface Breakdown {
  workflows: number;
  /** Sum over workflows of start-to-completion. */
  workflowMs: number;
  /** Per activity type: attempts, and summed queue (scheduled→started) and run (started→closed) ms. */
  activities: Map<string, { count: number; queueMs: number; runMs: number }>;
  /** Local activities (the saga's event publishes): they run inside the workflow tasks. */
  localActivities: number;
}

export function emptyBreakdown(): Breakdown {
  return { workflows: 0, workflowMs: 0, activities: new Map(), localActivities: 0 };
}

/** Adds one workflow's history to `into`. */
export function addHistory(into: Breakdown, events: readonly HistoryEventLike[]): void {
  const scheduled = new Map<number, { type: string; at: number; startedAt?: number }>();
  let started: number | undefined;
  let completed: number | undefined;
  for (const e of events) {
    const at = ms(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) started = at;
    if (e.workflowExecutionCompletedEventAttributes) completed = at;
    if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER)
      into.localActivities++;
    if (e.activityTaskScheduledEventAttributes)
      scheduled.set(num(e.eventId), {
        type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
        at,
      });
    if (e.workflowTaskScheduledEventAttributes)
      scheduled.set(num(e.eventId), { type: WORKFLOW_TASK, at });
    const startedOf = (e.activityTaskStartedEventAttributes ?? e.workflowTaskStartedEventAttributes)
      ?.scheduledEventId;
    if (startedOf !== undefined) {
      const s = scheduled.get(num(startedOf));
      if (s) s.startedAt = at;
    }
    const closedOf = (
      e.activityTaskCompletedEventAttributes ??
      e.workflowTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes
    )?.scheduledEventId;
    if (closedOf !== undefined) {
      const s = scheduled.get(num(closedOf));
      if (s) {
        const a = into.activities.get(s.type) ?? { count: 0, queueMs: 0, runMs: 0 };
        const startedAt = s.startedAt ?? s.at;
        a.count++;
        a.queueMs += startedAt - s.at;
        a.runMs += at - startedAt;
        into.activities.set(s.type, a);
      }
    }
  }
  if (started !== undefined && completed !== undefined) {
    into.workflows++;
    into.workflowMs += completed - started;
  }
}

/**
 * `wf=812 ms; reserveInventory=1x(q3+r120) ...`: per workflow, its mean duration, then per
 * activity type the attempts per workflow and the mean queue and run ms per attempt, largest
 * total first (pure).
 */
export function formatBreakdown(b: Breakdown): string {
  if (b.workflows === 0) return '';
  const per = (x: number) => x / b.workflows;
  const types = [...b.activities]
    .sort((x, y) => y[1].queueMs + y[1].runMs - (x[1].queueMs + x[1].runMs))
    .map(([type, a]) => {
      const n = per(a.count);
      return `${type}=${Number(n.toFixed(1))}x(q${Math.round(a.queueMs / a.count)}+r${Math.round(a.runMs / a.count)})`;
    });
  // Their time is part of the workflow tasks' run time; the history has no timing of their own.
  const local = b.localActivities
    ? [`local=${Number(per(b.localActivities).toFixed(1))}x(in workflow tasks)`]
    : [];
  return [`wf=${Math.round(per(b.workflowMs))}ms`, ...types, ...local].join(' ');
}

/** Per workflow history: its completed workflow tasks and its local activities (markers). */
export interface TaskCounts {
  workflowTasks: number;
  localActivities: number;
}

/** What one history's workflow did in turns of its code: workflow tasks, local activities (pure). */
export function countTasks(events: readonly HistoryEventLike[]): TaskCounts {
  let workflowTasks = 0;
  let localActivities = 0;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) workflowTasks++;
    if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) localActivities++;
  }
  return { workflowTasks, localActivities };
}
