import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Logger } from '../../lib/logger';
import type { RateLimitCounters } from '../ports';
import { problem, type ProblemError } from './problem';

const WINDOW_MS = 60_000;

export interface LimiterOptions {
  /** Names the limit in its store keys and in the 429's detail. */
  name: string;
  perMinute: number;
  counters: RateLimitCounters;
  now: () => number;
  key: (req: Request, res: Response) => string;
  skip?: (req: Request) => boolean;
  /** Where a counter store that cannot be reached is reported. */
  logger?: Pick<Logger, 'error'>;
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

/** The draft-6 `RateLimit-*` headers (as express-rate-limit's `standardHeaders: 'draft-6'`). */
function setRateLimitHeaders(res: Response, perMinute: number, hits: number, resetSeconds: number) {
  if (res.headersSent) return;
  res.setHeader('RateLimit-Policy', `${perMinute};w=${WINDOW_MS / 1000}`);
  res.setHeader('RateLimit-Limit', String(perMinute));
  res.setHeader('RateLimit-Remaining', String(Math.max(perMinute - hits, 0)));
  res.setHeader('RateLimit-Reset', String(resetSeconds));
}

/**
 * A fixed one-minute window per key, answered 429 with Retry-After, with the `RateLimit-*`
 * headers on every counted response: what express-rate-limit did with a store over `counters`,
 * written out, since its middleware (an await per step, validations, the client address
 * computed for its debug log) took several times this CPU on every request. A store that cannot
 * be reached lets requests through (logged), as `spend` does.
 */
export function limiter(options: LimiterOptions): RequestHandler {
  const { name, perMinute, counters, now, key, skip, logger } = options;
  const prefix = `${name}:`;
  return (req, res, next) => {
    if (skip?.(req)) return next();
    const at = now();
    const windowStart = Math.floor(at / WINDOW_MS) * WINDOW_MS;
    counters.hit(prefix + key(req, res), windowStart, WINDOW_MS).then(
      (hits) => {
        const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - at) / 1000));
        setRateLimitHeaders(res, perMinute, hits, resetSeconds);
        next(hits > perMinute ? limitExceeded(name, perMinute, resetSeconds) : undefined);
      },
      (err: unknown) => {
        logger?.error({ err }, `rate limit ${name}: counters unreachable, request not limited`);
        next();
      },
    );
  };
}
