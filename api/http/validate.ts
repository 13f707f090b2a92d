import type { z } from 'zod';
import { validationProblem } from './problem';

/** Parses one part of a request (body, query, params, headers) or throws a 400 problem. */
export function parseRequestPart<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: 'body' | 'query' | 'params' | 'headers',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(part, result.error);
  return result.data;
}
