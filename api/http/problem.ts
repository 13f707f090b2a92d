import type { Response } from 'express';
import type { z } from 'zod';
import { PROBLEM_TYPES, problemTypeUri, type ProblemKey } from './problem-types';

// RFC 9457 problem details: every error this API returns has this shape and the
// `application/problem+json` media type, so clients handle errors in one place.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

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

/** Extension members of a problem (RFC 9457 §3.2), such as `errors` or `reason`. */
export type ProblemMembers = { errors?: ValidationIssue[] } & Record<string, unknown>;
/** A thrown problem's members and the headers of its response. */
type ProblemExtras = ProblemMembers & { headers?: Record<string, string> };

/** The document of the problem `key`: type, title and status from the table, then the rest. */
export function problemDocument(key: ProblemKey, detail: string, members: ProblemMembers = {}) {
  const { status, title } = PROBLEM_TYPES[key];
  return { type: problemTypeUri(key), title, status, detail, ...members } satisfies Problem;
}

/** Thrown anywhere in a request; the error middleware renders it. Made with problem(). */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(key: ProblemKey, detail: string, extras: ProblemExtras = {}) {
    super(detail);
    this.name = 'ProblemError';
    const { headers = {}, ...members } = extras;
    this.problem = problemDocument(key, detail, members);
    this.headers = headers;
  }
}

/** The problem `key` to throw, with its detail, extension members and response headers. */
export const problem = (key: ProblemKey, detail: string, extras?: ProblemExtras): ProblemError =>
  new ProblemError(key, detail, extras);

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
  return problem(
    'validation-error',
    unknown.length > 0
      ? `The request ${part} has fields this API does not know: ${unknown.join(', ')}.`
      : `The request ${part} does not match the schema; see errors.`,
    { errors },
  );
}
