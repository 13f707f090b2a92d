import type { Principal } from '../auth/principal';

// Typed res.locals: what earlier middleware leaves for later ones.

export type AuthState =
  | { kind: 'anonymous' }
  | { kind: 'invalid'; reason: string }
  /** The token could not be checked because the identity provider is unreachable. */
  | { kind: 'unverifiable' }
  | { kind: 'authenticated'; principal: Principal };

declare global {
  // Express declares Locals inside its global namespace; augmenting it is the typed way in.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      auth?: AuthState;
    }
  }
}
