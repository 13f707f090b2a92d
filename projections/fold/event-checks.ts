import { orderEventId } from '../../contracts/event-id';

// Checks of a message's identity before it may fold. With Kafka ACLs only the orders worker
// can write `order.events`; these checks are defence in depth behind them. Without them, a
// well-formed event forged at an order's stored version + 1 would be applied, and the real
// event with that number would then be dropped as a duplicate: the read model would stay
// wrong for good. So the projector applies only messages whose every identity field agrees
// with what the producer derives (`toEventMessage`, `envelopeFromDraft`):
//
//  * key-mismatch: the Kafka key must be `ce_subject`, the order id. The key picks the
//    partition, and the fold's guarantees (one writer per order, per-partition offset marks on
//    the aggregates) hold only while all of an order's events share the order's partition.
//  * id-mismatch: `ce_id` must be the deterministic id of (order, sequence), from the one
//    function the producer uses (contracts/event-id.ts).
//  * unknown-type: a `ce_type` this build does not know is parked, not skipped: skipping it
//    would advance the order's version and turn the real event with that number into a
//    duplicate. The order's later events then wait as sequence gaps; once a projector that
//    knows the type runs, re-driving the parked events in order repairs the order.
//
// Anyone who can write the topic and has read this repository can still produce an event that
// passes: the checks narrow what a forger, a misconfigured producer or a hand-made message
// can do; the ACLs are what keep a forger out.

export const EVENT_REJECTION_REASONS = ['key-mismatch', 'id-mismatch', 'unknown-type'] as const;
export type EventRejectionReason = (typeof EVENT_REJECTION_REASONS)[number];

/**
 * A message refused for its identity or type; dead-lettered with `kafka_dlt-exception-fqcn`
 * `RejectedEventError` and a message that starts with the reason.
 */
export class RejectedEventError extends Error {
  constructor(
    readonly reason: EventRejectionReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'RejectedEventError';
  }
}

/** What a message claims to be: its Kafka key, `ce_id`, `ce_subject` and `ce_sequence`. */
export interface ClaimedIdentity {
  key: string | null;
  id: string | undefined;
  orderId: string;
  sequence: number;
}

/** Message-controlled text in an error, bounded so a dead letter's reason stays readable. */
const quoted = (value: string | null | undefined): string =>
  value === null || value === undefined ? String(value) : JSON.stringify(value.slice(0, 200));

/** Why a decoded message's identity does not hold, or undefined when it does. */
export function identityMismatch(claim: ClaimedIdentity): RejectedEventError | undefined {
  if (claim.key !== claim.orderId) {
    return new RejectedEventError(
      'key-mismatch',
      `message key ${quoted(claim.key)} is not ce_subject ${quoted(claim.orderId)}`,
    );
  }
  const expected = orderEventId(claim.orderId, claim.sequence);
  if (claim.id !== expected) {
    return new RejectedEventError(
      'id-mismatch',
      `ce_id ${quoted(claim.id)} is not the id of ${quoted(claim.orderId)} #${claim.sequence} (${expected})`,
    );
  }
  return undefined;
}

/** The rejection of an event type this build does not know. */
export const unknownTypeRejection = (type: string): RejectedEventError =>
  new RejectedEventError('unknown-type', `ce_type ${quoted(type)} is not a known order event type`);
