import { problem } from '../../api/http/problem';
import {
  PROBLEM_OF_REFUSAL,
  PROBLEM_TYPES,
  problemTypeUri,
  type ProblemKey,
} from '../../api/http/problem-types';
import { problemOf } from '../../api/routes/order-problems';
import { UPDATE_REJECTION_REASONS } from '../../workflows/client';

// The type URIs are a public contract (clients match on them, the OpenAPI document names them):
// this list changes only on purpose.
const PUBLISHED_TYPES = [
  'bad-signature',
  'compensation-retry-already-scheduled',
  'dependency-unavailable',
  'forbidden',
  'idempotency-key-reused',
  'internal-error',
  'malformed-json',
  'method-not-allowed',
  'no-failed-compensation',
  'not-awaiting-approval',
  'not-awaiting-payment-confirmation',
  'not-found',
  'not-ready',
  'order-already-cancelled',
  'order-already-decided',
  'order-not-yet-visible',
  'payload-too-large',
  'payment-already-confirmed',
  'payment-mismatch',
  'rate-limited',
  'self-approval-forbidden',
  'too-late-to-cancel',
  'too-many-open-orders',
  'unauthorized',
  'unsupported-media-type',
  'validation-error',
  'webhook-in-progress',
];

it('answers with exactly the published problem types', () => {
  const uris = new Set(Object.keys(PROBLEM_TYPES).map((key) => problemTypeUri(key as ProblemKey)));
  expect([...uris].sort()).toEqual(
    PUBLISHED_TYPES.map((type) => `https://order-saga.example/problems/${type}`),
  );
});

it('builds a problem from its key alone; a key not in the table does not compile', () => {
  const error = problem('too-late-to-cancel', 'The shipment exists.', {
    reason: 'TOO_LATE_TO_CANCEL',
    headers: { 'Retry-After': '1' },
  });
  expect(error.problem).toEqual({
    type: 'https://order-saga.example/problems/too-late-to-cancel',
    title: 'Conflict',
    status: 409,
    detail: 'The shipment exists.',
    reason: 'TOO_LATE_TO_CANCEL',
  });
  expect(error.headers).toEqual({ 'Retry-After': '1' });
  // @ts-expect-error: not a problem key
  expect(() => problem('too-late', 'x')).toThrow();
});

it('gives each of the workflow’s refusal reasons a problem type of its own', () => {
  const types = UPDATE_REJECTION_REASONS.map((reason) => PROBLEM_TYPES[PROBLEM_OF_REFUSAL[reason]]);
  expect(types).toHaveLength(9);
  expect(new Set(types.map((t) => t.type)).size).toBe(UPDATE_REJECTION_REASONS.length);
  for (const { status } of types) expect(status).toBe(409);
});

it.each([
  ['TOO_LATE_TO_CANCEL', 'too-late-to-cancel'],
  ['ALREADY_CANCELLING', 'order-already-cancelled'],
  ['NOT_AWAITING_APPROVAL', 'not-awaiting-approval'],
  ['ALREADY_DECIDED', 'order-already-decided'],
  ['NOT_AWAITING_CONFIRMATION', 'not-awaiting-payment-confirmation'],
  ['PAYMENT_MISMATCH', 'payment-mismatch'],
  ['ALREADY_CONFIRMED', 'payment-already-confirmed'],
  ['NO_FAILED_COMPENSATION', 'no-failed-compensation'],
  ['RETRY_ALREADY_SCHEDULED', 'compensation-retry-already-scheduled'],
] as const)('the workflow’s refusal %s is the problem %s, with its reason', (reason, type) => {
  const { problem: document } = problemOf({ kind: 'workflow-refused', reason, detail: 'd' });
  expect(document).toEqual({
    type: `https://order-saga.example/problems/${type}`,
    title: 'Conflict',
    status: 409,
    detail: 'd',
    reason,
  });
});

it('an unknown order is the not-found problem', () => {
  const { problem: document } = problemOf({ kind: 'order-not-found', orderId: 'ord_1' });
  expect(document).toMatchObject({
    type: 'https://order-saga.example/problems/not-found',
    status: 404,
    detail: 'No order ord_1.',
  });
});
