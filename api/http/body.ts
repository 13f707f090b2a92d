import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { problem } from './problem';

/** The limit for any request body. */
export const BODY_LIMIT = '100kb';

const JSON_TYPES = ['application/json', '+json'];

/** Whether the request carries a body at all (RFC 9110: Content-Length > 0 or chunked). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function isJson(req: Request): boolean {
  return req.is(JSON_TYPES) !== false && req.is(JSON_TYPES) !== null;
}

/** 415 before reading anything: a body that is not JSON is never parsed. */
export function requireJsonContentType(req: Request, _res: Response, next: NextFunction) {
  if (hasBody(req) && !isJson(req)) {
    throw problem(
      'unsupported-media-type',
      `Send the body as application/json (got ${JSON.stringify(req.headers['content-type'] ?? 'no Content-Type')}).`,
      { headers: { 'Accept-Post': 'application/json' } },
    );
  }
  next();
}

/**
 * JSON body parsing for one route, not app-wide, so the webhook can read its raw bytes for the
 * signature. Errors (413, 400, 415 for charsets) are body-parser errors rendered centrally.
 */
export const jsonBody: RequestHandler[] = [
  requireJsonContentType,
  express.json({ limit: BODY_LIMIT, type: JSON_TYPES, strict: true }),
];

/** The raw bytes, whatever the content type (the webhook checks the signature first). */
export const rawBody: RequestHandler = express.raw({ limit: BODY_LIMIT, type: () => true });
