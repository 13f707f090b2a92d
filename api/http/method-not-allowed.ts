import type { RequestHandler } from 'express';
import { problem } from './problem';

type Paths = Record<string, Record<string, unknown>>;

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']);

/**
 * 405 with `Allow` for a path the OpenAPI document knows, asked with a method it does not
 * document (RFC 9110 §15.5.6); unknown paths stay 404. Mounted after the routers, so a request
 * reaching it matched no route. The methods come from the document, so the two agree.
 */
export function methodNotAllowed(paths: Paths): RequestHandler {
  const routes = Object.entries(paths).map(([template, operations]) => {
    const methods = Object.keys(operations).filter((m) => METHODS.has(m));
    // Express answers HEAD for every GET route.
    if (methods.includes('get')) methods.push('head');
    const pattern = template
      .split('/')
      .map((segment) =>
        /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    return { matches: new RegExp(`^${pattern}/?$`), allow: methods.map((m) => m.toUpperCase()) };
  });
  return (req, _res, next) => {
    const route = routes.find((r) => r.matches.test(req.path));
    if (!route) return next();
    const allow = route.allow.join(', ');
    throw problem(
      'method-not-allowed',
      `${req.method} is not supported on ${req.path}; allowed: ${allow}.`,
      { headers: { Allow: allow } },
    );
  };
}
