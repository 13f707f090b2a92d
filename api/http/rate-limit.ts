import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type AugmentedRequest } from 'express-rate-limit';
import type { RateLimitCounters } from '../ports';
import { problem } from './problem';
import { CountersStore } from './rate-limit-store';

const WINDOW_MS = 60_000;

export interface LimiterOptions {
  /** Names the limit in its store keys and in the 429's detail. */
  name: string;
  perMinute: number;
  counters: RateLimitCounters;
  now: () => number;
  key: (req: Request, res: Response) => string;
  skip?: (req: Request) => boolean;
}

/** The client's address, IPv6 clients by /56 (one subscriber's prefix), per express-rate-limit. */
export const addressOf = (req: Request): string => ipKeyGenerator(req.ip ?? 'unknown');

/**
 * An authenticated client is limited by its token subject (so one user behind a NAT does not
 * starve the others), anyone else by address. Runs after authentication.
 */
export const clientKey = (req: Request, res: Response): string => {
  const auth = res.locals.auth;
  return auth?.kind === 'authenticated' ? `sub:${auth.principal.sub}` : `ip:${addressOf(req)}`;
};

/** A fixed one-minute window per key (express-rate-limit), answered 429 with Retry-After. */
export function limiter(options: LimiterOptions): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: options.perMinute,
    store: new CountersStore(options.counters, `${options.name}:`, options.now),
    keyGenerator: options.key,
    skip: options.skip,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    // A store outage must not turn every request into an error: requests pass unlimited.
    passOnStoreError: true,
    handler: (req, _res, next) => {
      const reset =
        (req as AugmentedRequest).rateLimit.resetTime?.getTime() ?? options.now() + WINDOW_MS;
      const retryAfter = Math.max(1, Math.ceil((reset - options.now()) / 1000));
      next(
        problem(
          'rate-limited',
          `Rate limit of ${options.perMinute} requests per minute (${options.name}) exceeded; retry in ${retryAfter} s.`,
          { headers: { 'Retry-After': String(retryAfter) } },
        ),
      );
    },
  });
}
