import type { Principal } from './principal';
import { setMostRecent } from '../../lib/most-recent';

/**
 * Tokens that verified, with the caller they name, until they would stop verifying. A client
 * sends the same token with every request until it expires, and checking its signature and
 * claims again each time was the largest CPU cost of a read (jose, HMAC or RSA).
 *
 * An entry ends at the earliest of: the token's `exp`, `iat` + the maximum token age, and
 * `maxEntryMs` after it was verified. The first two without the clock tolerance, so the cache
 * never accepts a token longer than the verifier would (near its end it is verified again, and
 * the tolerance applied there). The last bounds how long a token outlives a key the identity
 * provider withdrew (jose's JWKS cache keeps keys longer than that anyway). Only successes are
 * stored: a token that failed is checked again each time. At most `maxEntries` tokens are kept,
 * the least recently used dropped first.
 */
export interface VerifiedTokenCache {
  get(token: string): Principal | undefined;
  set(token: string, principal: Principal, claims: TokenLifetimeClaims): void;
  readonly size: number;
}

/** The claims that bound a token's life, in seconds since the epoch (as in the JWT). */
export interface TokenLifetimeClaims {
  exp?: number;
  iat?: number;
}

export interface VerifiedTokenCacheOptions {
  maxEntries?: number;
  maxEntryMs?: number;
  /** Milliseconds since the epoch; the verifier's clock (jose reads Date.now). */
  now?: () => number;
  /** JWT_MAX_TOKEN_AGE_SECONDS, when tokens have a maximum age. */
  maxTokenAgeSeconds?: number;
}

export function createVerifiedTokenCache(
  options: VerifiedTokenCacheOptions = {},
): VerifiedTokenCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxEntryMs = options.maxEntryMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { principal: Principal; until: number }>();

  const lifetimeEnd = (claims: TokenLifetimeClaims, at: number): number => {
    let until = at + maxEntryMs;
    if (claims.exp !== undefined) until = Math.min(until, claims.exp * 1000);
    if (options.maxTokenAgeSeconds !== undefined && claims.iat !== undefined)
      until = Math.min(until, (claims.iat + options.maxTokenAgeSeconds) * 1000);
    return until;
  };

  return {
    get(token) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now() >= entry.until) {
        entries.delete(token);
        return undefined;
      }
      setMostRecent(entries, token, entry, maxEntries); // used: now the most recent
      return entry.principal;
    },
    set(token, principal, claims) {
      const at = now();
      const until = lifetimeEnd(claims, at);
      if (until <= at) return;
      setMostRecent(entries, token, { principal, until }, maxEntries);
    },
    get size() {
      return entries.size;
    },
  };
}
