import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { OrderEventDraft } from '../../contracts/events';
import { historyFromFixture, historyToFixture } from '../../testing/history-fixtures';
import type { History } from '../../testing/history-fixtures';

// Reading the recorded workflow histories (test/fixtures/histories/<generation>/<path>.json):
// what a workflow commanded, and the events it published, as plain data to compare.

const DIR = path.resolve(__dirname, '../fixtures/histories');

/** The generations recorded, oldest first (scripts/record-histories.ts). */
export const GENERATIONS = readdirSync(DIR).sort();
export const LATEST_GENERATION = GENERATIONS[GENERATIONS.length - 1];

export const loadHistory = (generation: string, name: string): History =>
  historyFromFixture(readFileSync(path.join(DIR, generation, `${name}.json`), 'utf8'));

/** A fetched history in the fixtures' form (what `loadHistory` returns for a recording). */
export const asRecorded = (history: History): History =>
  historyFromFixture(historyToFixture(history));

type Payload = { data?: Uint8Array | null } | null | undefined;
const json = (payload: Payload): unknown =>
  JSON.parse(Buffer.from(payload?.data ?? []).toString() || 'null');

/**
 * The drafts a history published as activities (generation 1, before events became local
 * activities, whose markers do not keep their input), in order.
 */
export const publishedDrafts = (history: History): OrderEventDraft[] =>
  (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'publishOrderEvent') return [];
    return [json(scheduled.input?.payloads?.[0]) as OrderEventDraft];
  });

const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  d ? Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9 : undefined;

/**
 * What the workflow commanded, in order: the activities it scheduled (type, queue, input,
 * timeouts, retry policy, summary), its markers (patches, local activities by type), timers,
 * search attributes, and its result. What the server and workers add (task events, attempts,
 * times, update bookkeeping) is left out: it varies between runs of the same code.
 */
export function commandsOf(history: History): unknown[] {
  return (history.events ?? []).flatMap((e): unknown[] => {
    const activity = e.activityTaskScheduledEventAttributes;
    if (activity)
      return [
        {
          activity: activity.activityType?.name,
          taskQueue: activity.taskQueue?.name,
          input: (activity.input?.payloads ?? []).map(json),
          startToClose: seconds(activity.startToCloseTimeout),
          retry: activity.retryPolicy,
          summary: json(e.userMetadata?.summary),
        },
      ];
    const marker = e.markerRecordedEventAttributes;
    if (marker) {
      const details = marker.details ?? {};
      const about = json((details['patch-data'] ?? details.data)?.payloads?.[0]) as {
        id?: string;
        activity_type?: string;
      };
      return [{ marker: marker.markerName, about: about.id ?? about.activity_type }];
    }
    const timer = e.timerStartedEventAttributes;
    if (timer) return [{ timer: seconds(timer.startToFireTimeout) }];
    const upsert = e.upsertWorkflowSearchAttributesEventAttributes;
    if (upsert) {
      const fields = upsert.searchAttributes?.indexedFields ?? {};
      return [{ upsert: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, json(v)])) }];
    }
    if (e.timerCanceledEventAttributes) return [{ timerCancelled: true }];
    const completed = e.workflowExecutionCompletedEventAttributes;
    if (completed) return [{ result: json(completed.result?.payloads?.[0]) }];
    return [];
  });
}

/**
 * A draft as compared with another run's: deadlines as their distance from the event (workflow
 * time moves on between runs), without the time the event occurred.
 */
export function comparable({ occurredAt, ...draft }: OrderEventDraft) {
  const at = Date.parse(occurredAt);
  const data = { ...draft.data } as Record<string, unknown>;
  for (const deadline of ['decideBy', 'confirmBy'])
    if (typeof data[deadline] === 'string')
      data[deadline] = `+${Date.parse(data[deadline]) - at} ms`;
  return { ...draft, data };
}
