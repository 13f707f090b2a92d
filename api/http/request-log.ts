import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../../lib/logger';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: the client's X-Request-Id when usable, else a new UUID. */
    id: string;
    /** The logger of this request: its lines carry `req: { id, method, url }`. */
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What a line says about its request: no headers (long, repeated, and they carry credentials). */
const requestFields = (req: IncomingMessage) => ({ id: req.id, method: req.method, url: req.url });

/**
 * One short line per request: id, method, URL, status and duration (pino-http's line:
 * `request completed`, `request aborted` or `request errored`). A 4xx is the client's business
 * (a refused order, a bad token), logged at info like a 2xx; only 5xx are errors. `quiet` paths
 * (probes, scrapes) log at debug.
 *
 * Hand-written rather than pino-http, which built a child logger (serializing the request) and
 * three listeners for every request, whether its line was written or not; here the line's
 * fields are made only when its level is enabled.
 */
export function requestLog(logger: Logger, quiet: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const started = Date.now();
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    req.log = logger.child({ req: requestFields(req) });
    // 'close' comes once per response, after 'finish' or when the client went away first.
    res.once('close', () => {
      const failed = res.statusCode >= 500;
      const level = failed ? 'error' : quiet.has(req.url) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const fields = {
        req: requestFields(req),
        res: { statusCode: res.statusCode },
        ...(failed && { err: new Error(`failed with status code ${res.statusCode}`) }),
        responseTime: Date.now() - started,
      };
      const completed = res.writableEnded && !req.readableAborted;
      logger[level](
        fields,
        failed ? 'request errored' : completed ? 'request completed' : 'request aborted',
      );
    });
    next();
  };
}
