import type { NextFunction, Request, Response } from 'express';
import { ProblemError } from './problem';
import type { TokenBuckets } from './token-bucket';

/**
 * Per-client limiting: an authenticated client is its token subject (so one user behind a
 * NAT does not starve the others), anyone else its address. Runs after authentication.
 */
export function rateLimit(buckets: TokenBuckets) {
  return (req: Request, res: Response, next: NextFunction) => {
    const auth = res.locals.auth;
    const key =
      auth?.kind === 'authenticated' ? `sub:${auth.principal.sub}` : `ip:${req.ip ?? 'unknown'}`;
    const result = buckets.take(key);
    res.setHeader('RateLimit-Limit', String(buckets.capacity));
    if (result.allowed) {
      res.setHeader('RateLimit-Remaining', String(result.remaining));
      next();
      return;
    }
    res.setHeader('RateLimit-Remaining', '0');
    throw new ProblemError(
      'rateLimited',
      429,
      'Too Many Requests',
      `Rate limit of ${buckets.capacity} requests per minute exceeded; retry in ${result.retryAfterSeconds} s.`,
      { headers: { 'Retry-After': String(result.retryAfterSeconds) } },
    );
  };
}
