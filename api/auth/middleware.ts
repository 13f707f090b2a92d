import type { NextFunction, Request, Response } from 'express';
import { problem } from '../http/problem';
import type { Principal, Scope } from './principal';
import {
  IdentityProviderUnavailableError,
  InvalidTokenError,
  type TokenVerifier,
} from './verifier';

const REALM = 'order-saga';

/**
 * Reads the bearer token if there is one and records the outcome; enforcement happens per
 * route (requireScope), so public routes and the rate limiter can see who is calling.
 */
export function authenticate(verify: TokenVerifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      res.locals.auth = { kind: 'anonymous' };
      return next();
    }
    const match = /^Bearer ([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header);
    if (!match) {
      res.locals.auth = {
        kind: 'invalid',
        reason: 'the Authorization header is not "Bearer <token>"',
      };
      return next();
    }
    try {
      res.locals.auth = { kind: 'authenticated', principal: await verify(match[1]) };
    } catch (err) {
      if (err instanceof IdentityProviderUnavailableError) {
        // Public routes must keep working; only guarded routes answer 503 (principalOf).
        res.locals.auth = { kind: 'unverifiable' };
        return next();
      }
      if (!(err instanceof InvalidTokenError)) throw err;
      res.locals.auth = { kind: 'invalid', reason: err.message };
    }
    next();
  };
}

const quote = (s: string) => s.replace(/["\\]/g, '');

/** 401 without a valid token, 403 without the scope (RFC 6750 error codes in WWW-Authenticate). */
export function requireScope(scope: Scope) {
  return (_req: Request, res: Response, next: NextFunction) => {
    principalOf(res, scope);
    next();
  };
}

/** The verified caller of a route guarded by requireScope. */
export function principalOf(res: Response, scope?: Scope): Principal {
  const auth = res.locals.auth ?? { kind: 'anonymous' };
  if (auth.kind === 'anonymous') {
    throw problem('unauthorized', 'A bearer token is required.', {
      headers: { 'WWW-Authenticate': `Bearer realm="${REALM}"` },
    });
  }
  if (auth.kind === 'unverifiable') {
    throw problem(
      'dependency-unavailable',
      'The identity provider (JWKS) is unreachable, so the token cannot be verified. Retry later.',
      { dependency: 'jwks', headers: { 'Retry-After': '5' } },
    );
  }
  if (auth.kind === 'invalid') {
    throw problem('unauthorized', `Invalid token: ${auth.reason}.`, {
      headers: {
        'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${quote(auth.reason)}"`,
      },
    });
  }
  if (scope !== undefined && !auth.principal.scopes.has(scope)) {
    throw problem('forbidden', `This operation needs the scope "${scope}".`, {
      requiredScope: scope,
      headers: {
        'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
      },
    });
  }
  return auth.principal;
}
