import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../lib/logger';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One short line per request: id, method, URL, status and duration. Headers are left out:
 * they are long, repeat on every line, and carry credentials (tokens, webhook signatures).
 * A 4xx is the client's business (a refused order, a bad token), logged at info like a 2xx;
 * only 5xx are errors. `quiet` paths (probes, scrapes) log at debug.
 */
export function requestLog(logger: Logger, quiet: ReadonlySet<string>) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : quiet.has(req.url ?? '') ? 'debug' : 'info',
  });
}
