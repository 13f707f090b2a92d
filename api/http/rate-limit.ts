import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type AugmentedRequest } from 'express-rate-limit';
import type { RateLimitCounters } from '../ports';
import { problem, type ProblemError } from './problem';
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

/** The 429 of limit `name`, with Retry-After until its window resets. */
function limitExceeded(name: string, perMinute: number, retryAfter: number): ProblemError {
  return problem(
    'rate-limited',
    `Rate limit of ${perMinute} requests per minute (${name}) exceeded; retry in ${retryAfter} s.`,
    { headers: { 'Retry-After': String(retryAfter) } },
  );
}

export interface Budget {
  name: string;
  perMinute: number;
  counters: RateLimitCounters;
  now: () => number;
}

/**
 * Counts one hit of `key` against `budget` in the same fixed one-minute windows (and store keys,
 * `<name>:<key>`) as `limiter`; throws its 429 once the window's budget is spent. For a limit
 * that counts only some requests, decided after the fact (the webhook counts a delivery once
 * its signature is checked). A store that cannot be reached lets the request through, as there.
 */
export async function spend(budget: Budget, key: string): Promise<void> {
  const now = budget.now();
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  let hits: number;
  try {
    hits = await budget.counters.hit(`${budget.name}:${key}`, windowStart, WINDOW_MS);
  } catch {
    return;
  }
  if (hits <= budget.perMinute) return;
  const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
  throw limitExceeded(budget.name, budget.perMinute, retryAfter);
}

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
      next(limitExceeded(options.name, options.perMinute, retryAfter));
    },
  });
}
