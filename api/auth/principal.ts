import type { Actor } from '../ports';

/** Scopes carried in the token's space-separated `scope` claim. */
export const SCOPES = {
  write: 'orders:write',
  read: 'orders:read',
  support: 'orders:support',
  /** Decrypting payloads at the codec server (/codec): part of no other role, so its own scope. */
  codec: 'orders:codec',
  /** Encrypting payloads at the codec server (/codec/encode): an oracle, so apart even from codec. */
  codecEncode: 'orders:codec-encode',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** A verified caller. */
export interface Principal {
  sub: string;
  scopes: ReadonlySet<string>;
}

export const hasScope = (p: Principal, scope: Scope): boolean => p.scopes.has(scope);

/** Who asks, as the application sees it: the subject, and whether it has the support role. */
export const actorOf = (p: Principal): Actor => ({
  sub: p.sub,
  support: hasScope(p, SCOPES.support),
});

export const parseScopeClaim = (claim: unknown): Set<string> =>
  new Set(typeof claim === 'string' ? claim.split(' ').filter(Boolean) : []);
