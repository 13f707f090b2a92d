import type { HistoryEntry } from '../ports';

// Summarizes a Temporal workflow history for support staff: one line per event with its type,
// time, the step it concerns (activity, timer, update or signal name) and any failure message.
// Pure, over a structural subset of the history proto, so tests build histories by hand.

interface Timestamp {
  seconds?: number | { toNumber(): number } | null;
  nanos?: number | null;
}

interface Attributes {
  activityType?: { name?: string | null } | null;
  workflowType?: { name?: string | null } | null;
  timerId?: string | null;
  signalName?: string | null;
  scheduledEventId?: number | { toNumber(): number } | null;
  startedEventId?: number | { toNumber(): number } | null;
  acceptedRequest?: { input?: { name?: string | null } | null } | null;
  request?: { input?: { name?: string | null } | null } | null;
  failure?: { message?: string | null; cause?: { message?: string | null } | null } | null;
}

export interface HistoryEventLike {
  eventId?: number | { toNumber(): number } | null;
  eventTime?: Timestamp | null;
  [attributes: string]: unknown;
}

const num = (v: number | { toNumber(): number } | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber();

function isoTime(t: Timestamp | null | undefined): string | undefined {
  const seconds = num(t?.seconds);
  if (seconds === undefined) return undefined;
  return new Date(seconds * 1000 + Math.floor((t?.nanos ?? 0) / 1e6)).toISOString();
}

/** Each event carries exactly one `<type>EventAttributes` field; its name is the event type. */
function typeAndAttributes(event: HistoryEventLike): [string, Attributes] {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventAttributes') && value !== null && value !== undefined) {
      const type = key.slice(0, -'EventAttributes'.length);
      return [type.charAt(0).toUpperCase() + type.slice(1), value];
    }
  }
  return ['Unknown', {}];
}

export function summarizeHistory(events: readonly HistoryEventLike[]): HistoryEntry[] {
  // Completion events name their step only through the id of the event that scheduled it.
  const names = new Map<number, string>();
  return events.map((event) => {
    const [type, attrs] = typeAndAttributes(event);
    const eventId = num(event.eventId) ?? 0;
    const ownName =
      attrs.activityType?.name ??
      attrs.timerId ??
      attrs.signalName ??
      attrs.acceptedRequest?.input?.name ??
      attrs.request?.input?.name ??
      attrs.workflowType?.name ??
      undefined;
    if (ownName) names.set(eventId, ownName);
    const linked = num(attrs.scheduledEventId) ?? num(attrs.startedEventId);
    const name = ownName ?? (linked !== undefined ? names.get(linked) : undefined);
    const failure = attrs.failure?.message ?? undefined;
    const cause = attrs.failure?.cause?.message;
    return {
      eventId,
      type,
      ...(isoTime(event.eventTime) && { time: isoTime(event.eventTime) }),
      ...(name && { name }),
      ...(failure && { failure: cause ? `${failure}: ${cause}` : failure }),
    };
  });
}
