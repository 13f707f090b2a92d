import { createSecretKey, KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { parseScopeClaim, type Principal } from './principal';
import { createVerifiedTokenCache, type VerifiedTokenCache } from './token-cache';

/**
 * How tokens are checked: HS256 with a shared secret (development, simple deployments), or
 * RS256 against an identity provider's JWKS. Only the named algorithm is accepted, so a token
 * cannot pick a weaker one (`alg: none`, or HS256 signed with the public key).
 */
export type AuthSettings = ({ kind: 'hs256'; secret: string } | { kind: 'jwks'; url: string }) & {
  issuer?: string;
  audience?: string;
  /**
   * Leeway for `exp` and `nbf` against clock skew between the identity provider and this
   * process (JWT_CLOCK_TOLERANCE_SECONDS); 0 when absent.
   */
  clockToleranceSeconds?: number;
  /**
   * Maximum token lifetime (JWT_MAX_TOKEN_AGE_SECONDS): `iat` is then required, and a token
   * issued longer ago than this is refused whatever its `exp` says. No limit when absent.
   */
  maxTokenAgeSeconds?: number;
};

/** The token is missing something or does not verify: 401. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** The identity provider's key set could not be fetched: not the client's fault (503). */
export class IdentityProviderUnavailableError extends Error {
  override name = 'IdentityProviderUnavailableError';
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * `cache`: tokens that verified, until they would not (auth/token-cache.ts); default one of
 * 10 000 tokens, each for at most a minute.
 */
export function createTokenVerifier(
  settings: AuthSettings,
  cache: VerifiedTokenCache = createVerifiedTokenCache({
    maxTokenAgeSeconds: settings.maxTokenAgeSeconds,
  }),
): TokenVerifier {
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: [settings.kind === 'hs256' ? 'HS256' : 'RS256'],
    // A token without an expiry would be valid forever once leaked; one with a far-away expiry
    // nearly so, hence the maximum age counted from `iat` (which jose then requires).
    requiredClaims: ['exp'],
    clockTolerance: settings.clockToleranceSeconds ?? 0,
    maxTokenAge: settings.maxTokenAgeSeconds,
  };
  // The secret as a KeyObject once: given as bytes, jose imported it again on every call.
  const key: KeyObject | JWTVerifyGetKey =
    settings.kind === 'hs256'
      ? createSecretKey(Buffer.from(settings.secret, 'utf8'))
      : createRemoteJWKSet(new URL(settings.url), { timeoutDuration: 3000 });

  return async (token) => {
    const known = cache.get(token);
    if (known) return known;
    let payload;
    try {
      // jwtVerify has two overloads (key or key function); narrow so each call picks one.
      payload =
        key instanceof KeyObject
          ? (await jwtVerify(token, key, options)).payload
          : (await jwtVerify(token, key, options)).payload;
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || isFetchFailure(err)) {
        throw new IdentityProviderUnavailableError('the identity provider key set is unreachable', {
          cause: err,
        });
      }
      throw new InvalidTokenError(describe(err, settings.maxTokenAgeSeconds), { cause: err });
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new InvalidTokenError('the token has no subject');
    }
    const principal = { sub: payload.sub, scopes: parseScopeClaim(payload.scope) };
    cache.set(token, principal, { exp: payload.exp, iat: payload.iat });
    return principal;
  };
}

/** Node's socket and DNS error codes: the identity provider could not be reached. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

function isFetchFailure(err: unknown): boolean {
  // createRemoteJWKSet surfaces network errors as they come: in Node (jose's node build, over
  // node:http) a system error with a code such as ECONNREFUSED, where fetch is used a
  // TypeError('fetch failed'); non-200 answers are a JOSEError with this code.
  // Duck-typed: a system error may come from another realm (e.g. under jest), failing instanceof.
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return (
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) ||
    (err instanceof TypeError && /fetch/i.test(err.message)) ||
    (err instanceof errors.JOSEError &&
      err.code === 'ERR_JOSE_GENERIC' &&
      /response/i.test(err.message))
  );
}

function describe(err: unknown, maxTokenAgeSeconds: number | undefined): string {
  // jose reports a token older than maxTokenAge as expired, naming the `iat` claim.
  if (err instanceof errors.JWTExpired && err.claim === 'iat')
    return `the token was issued more than ${maxTokenAgeSeconds ?? '?'} s ago, the maximum token age; get a new one`;
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (
    err instanceof errors.JWTClaimValidationFailed &&
    err.claim === 'iat' &&
    err.reason === 'missing'
  )
    return 'the token has no iat claim (required: tokens have a maximum age)';
  if (err instanceof errors.JWTClaimValidationFailed)
    return err.reason === 'missing'
      ? `the token has no ${err.claim} claim`
      : `the token's ${err.claim} claim is not accepted`;
  if (err instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm this API does not accept';
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey)
    return 'no key of the identity provider matches the token';
  return 'the token is malformed or does not verify';
}
