import type { UpdateRejectionReason } from '../../workflows/client';

// Every problem this API answers, in one table: its type (the last segment of the type URI),
// status and title. Code names a problem by its key; a key not in the table does not compile.

/** Problem type URIs are stable identifiers documented in the OpenAPI description. */
const TYPE_BASE = 'https://order-saga.example/problems/';

interface ProblemTypeEntry {
  /** Appended to TYPE_BASE. Clients and the OpenAPI document depend on it: never change one. */
  type: string;
  status: number;
  title: string;
}

/**
 * Keys name what happened. A few keys share a type with another status or title (a codec request,
 * an unreadable body, an unknown order): that is how the API has always answered them.
 */
export const PROBLEM_TYPES = {
  // The request itself
  'validation-error': { type: 'validation-error', status: 400, title: 'Request validation failed' },
  'malformed-json': { type: 'malformed-json', status: 400, title: 'Malformed JSON' },
  /** The body could not be read at all (aborted, wrong length, encoding set by a stream). */
  'unreadable-body': { type: 'malformed-json', status: 400, title: 'Bad Request' },
  'unsupported-media-type': {
    type: 'unsupported-media-type',
    status: 415,
    title: 'Unsupported Media Type',
  },
  'payload-too-large': { type: 'payload-too-large', status: 413, title: 'Payload Too Large' },
  'not-found': { type: 'not-found', status: 404, title: 'Not Found' },
  'method-not-allowed': { type: 'method-not-allowed', status: 405, title: 'Method Not Allowed' },
  'rate-limited': { type: 'rate-limited', status: 429, title: 'Too Many Requests' },

  // Who asks
  unauthorized: { type: 'unauthorized', status: 401, title: 'Unauthorized' },
  forbidden: { type: 'forbidden', status: 403, title: 'Forbidden' },
  'bad-signature': { type: 'bad-signature', status: 401, title: 'Unauthorized' },

  // Orders
  'idempotency-key-reused': { type: 'idempotency-key-reused', status: 409, title: 'Conflict' },
  'order-not-yet-visible': { type: 'order-not-yet-visible', status: 404, title: 'Not Found' },
  /** The customer already has MAX_OPEN_ORDERS_PER_CUSTOMER orders that have not finished. */
  'too-many-open-orders': { type: 'too-many-open-orders', status: 409, title: 'Conflict' },
  /** Four eyes: support staff cannot approve an order they placed as its customer. */
  'self-approval-forbidden': { type: 'self-approval-forbidden', status: 403, title: 'Forbidden' },

  // How the order workflow refuses a message: one per refusal reason (PROBLEM_OF_REFUSAL)
  'order-not-found': { type: 'not-found', status: 404, title: 'Not Found' },
  'too-late-to-cancel': { type: 'too-late-to-cancel', status: 409, title: 'Conflict' },
  'order-already-cancelled': { type: 'order-already-cancelled', status: 409, title: 'Conflict' },
  'not-awaiting-approval': { type: 'not-awaiting-approval', status: 409, title: 'Conflict' },
  'order-already-decided': { type: 'order-already-decided', status: 409, title: 'Conflict' },
  'not-awaiting-payment-confirmation': {
    type: 'not-awaiting-payment-confirmation',
    status: 409,
    title: 'Conflict',
  },
  'payment-mismatch': { type: 'payment-mismatch', status: 409, title: 'Conflict' },
  'payment-already-confirmed': {
    type: 'payment-already-confirmed',
    status: 409,
    title: 'Conflict',
  },
  'no-failed-compensation': { type: 'no-failed-compensation', status: 409, title: 'Conflict' },
  'compensation-retry-already-scheduled': {
    type: 'compensation-retry-already-scheduled',
    status: 409,
    title: 'Conflict',
  },

  // The payment webhook
  'webhook-in-progress': { type: 'webhook-in-progress', status: 409, title: 'Conflict' },

  // The codec server
  'codec-request-invalid': { type: 'validation-error', status: 400, title: 'Bad Request' },
  'codec-payload-unprocessable': {
    type: 'validation-error',
    status: 422,
    title: 'Unprocessable Content',
  },

  // The server
  'dependency-unavailable': {
    type: 'dependency-unavailable',
    status: 503,
    title: 'Service Unavailable',
  },
  'not-ready': { type: 'not-ready', status: 503, title: 'Service Unavailable' },
  'internal-error': { type: 'internal-error', status: 500, title: 'Internal Server Error' },
} as const satisfies Record<string, ProblemTypeEntry>;

export type ProblemKey = keyof typeof PROBLEM_TYPES;

export const problemTypeUri = (key: ProblemKey): string => TYPE_BASE + PROBLEM_TYPES[key].type;

/**
 * The problem of each reason the order workflow refuses a message with (workflows/client.ts), one
 * to one: a client tells every refusal by its type, and the refusal's reason goes along as the
 * problem's `reason` member. A new reason does not compile until it has its own problem here.
 */
export const PROBLEM_OF_REFUSAL = {
  TOO_LATE_TO_CANCEL: 'too-late-to-cancel',
  ALREADY_CANCELLING: 'order-already-cancelled',
  NOT_AWAITING_APPROVAL: 'not-awaiting-approval',
  ALREADY_DECIDED: 'order-already-decided',
  NOT_AWAITING_CONFIRMATION: 'not-awaiting-payment-confirmation',
  PAYMENT_MISMATCH: 'payment-mismatch',
  ALREADY_CONFIRMED: 'payment-already-confirmed',
  NO_FAILED_COMPENSATION: 'no-failed-compensation',
  RETRY_ALREADY_SCHEDULED: 'compensation-retry-already-scheduled',
} as const satisfies Record<UpdateRejectionReason, ProblemKey>;
