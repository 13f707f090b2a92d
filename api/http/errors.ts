import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from '../../lib/logger';
import { DependencyUnavailableError } from '../ports';
import { problem, problemDocument, ProblemError, sendProblem, type Problem } from './problem';

/** Unknown routes: a problem document, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (req) => {
  throw problem('not-found', `No route for ${req.method} ${req.path}.`);
};

/** body-parser marks its errors with `type` and `status`; these are the client's fault. */
function bodyParserProblem(err: { type?: unknown; status?: unknown }): Problem | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return problemDocument('malformed-json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return problemDocument('payload-too-large', 'The request body exceeds 100 kB.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problemDocument('unsupported-media-type', 'Send UTF-8 JSON without content encoding.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return problemDocument('unreadable-body', 'The request body could not be read.');
    default:
      return undefined;
  }
}

/**
 * The one place errors become responses. Nothing reaches the client as a stack trace: an
 * unexpected error is logged with the request id and answered with a generic 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res, _next) => {
    const instance = req.originalUrl;
    if (err instanceof ProblemError) {
      sendProblem(res, { ...err.problem, instance }, err.headers);
      return;
    }
    if (err instanceof DependencyUnavailableError) {
      // An outage, not a bug: the cause's message says enough, a stack would only be noise.
      const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
      req.log?.warn({ dependency: err.dependency, cause }, 'dependency unavailable');
      sendProblem(
        res,
        {
          ...problemDocument(
            'dependency-unavailable',
            `A dependency is unavailable: ${err.dependency}. Retry later.`,
            { dependency: err.dependency },
          ),
          instance,
        },
        { 'Retry-After': '5' },
      );
      return;
    }
    if (typeof err === 'object' && err !== null) {
      const problem = bodyParserProblem(err);
      if (problem) {
        sendProblem(res, { ...problem, instance });
        return;
      }
    }
    (req.log ?? logger).error({ err }, 'unhandled error');
    sendProblem(res, {
      ...problemDocument(
        'internal-error',
        'An unexpected error occurred; it has been logged with the request id.',
      ),
      instance,
    });
  };
}
