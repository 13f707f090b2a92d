import { addHistory, countTasks, emptyBreakdown, formatBreakdown } from '../../bench/history';
import type { HistoryEventLike } from '../../bench/history';

const t = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

/** An activity task's events: scheduled (id), started (id + 1), then completed or failed. */
function activityTask(
  id: number,
  name: string,
  [scheduledAt, startedAt, closedAt]: number[],
  outcome: 'completed' | 'failed',
): HistoryEventLike[] {
  const closed = { scheduledEventId: id };
  return [
    {
      eventId: id,
      eventTime: t(scheduledAt),
      activityTaskScheduledEventAttributes: { activityType: { name } },
    },
    {
      eventId: id + 1,
      eventTime: t(startedAt),
      activityTaskStartedEventAttributes: { scheduledEventId: id },
    },
    {
      eventId: id + 2,
      eventTime: t(closedAt),
      ...(outcome === 'completed'
        ? { activityTaskCompletedEventAttributes: closed }
        : { activityTaskFailedEventAttributes: closed }),
    },
  ];
}

describe('history breakdown', () => {
  it('sums queue and run time per activity type and the workflow duration', () => {
    const b = emptyBreakdown();
    for (const offset of [0, 10_000])
      addHistory(b, [
        { eventId: 1, eventTime: t(offset), workflowExecutionStartedEventAttributes: {} },
        ...activityTask(5, 'reserve', [offset + 100, offset + 110, offset + 310], 'completed'),
        ...activityTask(8, 'publish', [offset + 320, offset + 330, offset + 350], 'failed'),
        { eventId: 11, eventTime: t(offset + 360), workflowTaskScheduledEventAttributes: {} },
        {
          eventId: 12,
          eventTime: t(offset + 365),
          workflowTaskStartedEventAttributes: { scheduledEventId: 11 },
        },
        {
          eventId: 13,
          eventTime: t(offset + 395),
          workflowTaskCompletedEventAttributes: { scheduledEventId: 11 },
        },
        {
          eventId: 14,
          eventTime: t(offset + 396),
          markerRecordedEventAttributes: { markerName: 'core_local_activity' },
        },
        {
          eventId: 15,
          eventTime: t(offset + 396),
          markerRecordedEventAttributes: { markerName: 'core_patch' },
        },
        { eventId: 16, eventTime: t(offset + 400), workflowExecutionCompletedEventAttributes: {} },
      ]);
    expect(b.workflows).toBe(2);
    expect(b.localActivities).toBe(2);
    expect(b.activities.get('reserve')).toEqual({ count: 2, queueMs: 20, runMs: 400 });
    expect(formatBreakdown(b)).toBe(
      'wf=400ms reserve=1x(q10+r200) (workflow task)=1x(q5+r30) publish=1x(q10+r20) local=1x(in workflow tasks)',
    );
  });

  it('leaves out workflows that did not complete', () => {
    const b = emptyBreakdown();
    addHistory(b, [{ eventId: 1, eventTime: t(0), workflowExecutionStartedEventAttributes: {} }]);
    expect(formatBreakdown(b)).toBe('');
  });
});

describe('task counts', () => {
  it('counts completed workflow tasks and local-activity markers, nothing else', () => {
    expect(
      countTasks([
        { workflowExecutionStartedEventAttributes: {} },
        { workflowTaskScheduledEventAttributes: {} },
        { workflowTaskStartedEventAttributes: { scheduledEventId: 2 } },
        { workflowTaskCompletedEventAttributes: { scheduledEventId: 2 } },
        { markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
        { markerRecordedEventAttributes: { markerName: 'core_patch' } },
        { markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
        { workflowTaskCompletedEventAttributes: { scheduledEventId: 9 } },
        { activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
      ]),
    ).toEqual({ workflowTasks: 2, localActivities: 2 });
  });
});
