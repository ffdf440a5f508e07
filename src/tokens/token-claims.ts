import type { TokenScope } from '../common/authenticated-user.js';

/** The claims of a gateway JWT. */
export interface TokenClaims {
  readonly iss: string;
  readonly aud: string;
  /** Canonical email. */
  readonly sub: string;
  readonly email: string;
  /** Token id: the key of the allowlist record. */
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** Token name chosen by its owner. */
  readonly name: string;
  /** Space-separated scopes: "llm" or "llm admin". */
  readonly scope: string;
}

export const KNOWN_SCOPES: readonly TokenScope[] = ['llm', 'admin'];

export function parseScopes(scope: string): TokenScope[] | null {
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length === 0) return null;
  for (const s of scopes) if (!(KNOWN_SCOPES as readonly string[]).includes(s)) return null;
  return scopes as TokenScope[];
}
