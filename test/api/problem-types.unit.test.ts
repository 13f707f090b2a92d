import { problem } from '../../api/http/problem';
import { PROBLEM_TYPES, problemTypeUri, type ProblemKey } from '../../api/http/problem-types';
import { commandRejected, type CommandRejection } from '../../api/routes/order-problems';

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
  'order-not-yet-visible',
  'payload-too-large',
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
    reason: 'TOO_LATE',
    headers: { 'Retry-After': '1' },
  });
  expect(error.problem).toEqual({
    type: 'https://order-saga.example/problems/too-late-to-cancel',
    title: 'Conflict',
    status: 409,
    detail: 'The shipment exists.',
    reason: 'TOO_LATE',
  });
  expect(error.headers).toEqual({ 'Retry-After': '1' });
  // @ts-expect-error: not a problem key
  expect(() => problem('too-late', 'x')).toThrow();
});

it.each<[CommandRejection, string, number]>([
  [{ ok: false, reason: 'NOT_FOUND' }, 'not-found', 404],
  [{ ok: false, reason: 'TOO_LATE', detail: 'd' }, 'too-late-to-cancel', 409],
  [{ ok: false, reason: 'ALREADY_CANCELLED', detail: 'd' }, 'order-already-cancelled', 409],
  [{ ok: false, reason: 'NOT_AWAITING_APPROVAL', detail: 'd' }, 'not-awaiting-approval', 409],
  [
    { ok: false, reason: 'NOT_AWAITING_CONFIRMATION', detail: 'd' },
    'not-awaiting-payment-confirmation',
    409,
  ],
  [{ ok: false, reason: 'NO_FAILED_COMPENSATION', detail: 'd' }, 'no-failed-compensation', 409],
  [
    { ok: false, reason: 'RETRY_ALREADY_SCHEDULED', detail: 'd' },
    'compensation-retry-already-scheduled',
    409,
  ],
])('a refused order command, %j, is the problem %s', (rejection, type, status) => {
  const { problem: document } = commandRejected('ord_1', rejection);
  expect(document).toMatchObject({ type: `https://order-saga.example/problems/${type}`, status });
  if (rejection.reason === 'NOT_FOUND') expect(document.detail).toBe('No order ord_1.');
  else expect(document).toMatchObject({ detail: 'd', reason: rejection.reason });
});
