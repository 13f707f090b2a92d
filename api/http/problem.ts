import type { Response } from 'express';
import type { z } from 'zod';

// RFC 9457 problem details: every error this API returns has this shape and the
// `application/problem+json` media type, so clients handle errors in one place.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs are stable identifiers documented in the OpenAPI description. */
const TYPE_BASE = 'https://order-saga.example/problems/';

export const PROBLEM_TYPES = {
  validation: 'validation-error',
  malformedJson: 'malformed-json',
  unsupportedMediaType: 'unsupported-media-type',
  payloadTooLarge: 'payload-too-large',
  notFound: 'not-found',
  methodNotAllowed: 'method-not-allowed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  conflict: 'conflict',
  idempotencyConflict: 'idempotency-key-reused',
  tooLate: 'too-late-to-cancel',
  notAwaitingApproval: 'not-awaiting-approval',
  notAwaitingConfirmation: 'not-awaiting-payment-confirmation',
  alreadyCancelled: 'order-already-cancelled',
  notYetVisible: 'order-not-yet-visible',
  rateLimited: 'rate-limited',
  dependencyUnavailable: 'dependency-unavailable',
  notReady: 'not-ready',
  badSignature: 'bad-signature',
  webhookInProgress: 'webhook-in-progress',
  internal: 'internal-error',
} as const;
export type ProblemKind = keyof typeof PROBLEM_TYPES;

export const problemTypeUri = (kind: ProblemKind): string => TYPE_BASE + PROBLEM_TYPES[kind];

export interface ValidationIssue {
  /** JSON Pointer-like path inside the request part, e.g. `/body/items/0/quantity`. */
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ValidationIssue[];
  [extension: string]: unknown;
}

/** Thrown anywhere in a request; the error middleware renders it. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(
    kind: ProblemKind,
    status: number,
    title: string,
    detail: string,
    extras: { errors?: ValidationIssue[]; headers?: Record<string, string> } & Record<
      string,
      unknown
    > = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    const { headers = {}, ...members } = extras;
    this.problem = { type: problemTypeUri(kind), title, status, detail, ...members };
    this.headers = headers;
  }
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.status(problem.status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

const pointer = (part: string, path: readonly PropertyKey[]) =>
  '/' + [part, ...path.map((p) => String(p))].join('/');

/**
 * Zod issues as `{ path, message }`, the path prefixed by the request part (body, query…). An
 * unknown field is reported at its own path, one entry per field, so the client sees its name.
 */
export function issuesOf(part: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: pointer(part, [...issue.path, key]),
          message: 'unknown field',
        }))
      : [{ path: pointer(part, issue.path), message: issue.message }],
  );
}

export function validationProblem(part: string, error: z.ZodError): ProblemError {
  const errors = issuesOf(part, error);
  const unknown = errors.filter((e) => e.message === 'unknown field').map((e) => e.path);
  return new ProblemError(
    'validation',
    400,
    'Request validation failed',
    unknown.length > 0
      ? `The request ${part} has fields this API does not know: ${unknown.join(', ')}.`
      : `The request ${part} does not match the schema; see errors.`,
    { errors },
  );
}

export const notFoundProblem = (detail: string): ProblemError =>
  new ProblemError('notFound', 404, 'Not Found', detail);
