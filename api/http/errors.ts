import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from '../../lib/logger';
import { DependencyUnavailableError } from '../ports';
import { ProblemError, problemTypeUri, sendProblem, type Problem } from './problem';

/** Unknown routes: a problem document, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (req) => {
  throw new ProblemError('notFound', 404, 'Not Found', `No route for ${req.method} ${req.path}.`);
};

/** body-parser marks its errors with `type` and `status`; these are the client's fault. */
function bodyParserProblem(err: { type?: unknown; status?: unknown }): Problem | undefined {
  const make = (
    kind: Parameters<typeof problemTypeUri>[0],
    status: number,
    title: string,
    detail: string,
  ) => ({
    type: problemTypeUri(kind),
    title,
    status,
    detail,
  });
  switch (err.type) {
    case 'entity.parse.failed':
      return make('malformedJson', 400, 'Malformed JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return make('payloadTooLarge', 413, 'Payload Too Large', 'The request body exceeds 100 kB.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return make(
        'unsupportedMediaType',
        415,
        'Unsupported Media Type',
        'Send UTF-8 JSON without content encoding.',
      );
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return make('malformedJson', 400, 'Bad Request', 'The request body could not be read.');
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
          type: problemTypeUri('dependencyUnavailable'),
          title: 'Service Unavailable',
          status: 503,
          detail: `A dependency is unavailable: ${err.dependency}. Retry later.`,
          dependency: err.dependency,
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
      type: problemTypeUri('internal'),
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged with the request id.',
      instance,
    });
  };
}
