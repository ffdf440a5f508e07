import type { TokenListing } from '../token-listing.js';

export class AdminTokenDto {
  /** @example "3q2-7wRk9XyZa1b2c3d4e5f6" */
  token_id: string;
  /** @example "laptop" */
  token_name: string;
  /** @example "alice@example.com" */
  user_email: string;
  /** @example ["llm"] */
  scopes: string[];
  created_at: string;
  expires_at: string;
  /** Last request made with the token; null when never used or once it has expired. */
  last_used_at: string | null;
  /**
   * active (valid now), blocked (valid, but its owner is banned: it works again after the ban),
   * expired, or revoked (shown until it would have expired).
   */
  status: 'active' | 'blocked' | 'expired' | 'revoked';
  /** When a revoked token was revoked. */
  revoked_at: string | null;
  /** Who revoked it (an email, "cli"). */
  revoked_by: string | null;

  static from(t: TokenListing): AdminTokenDto {
    return {
      token_id: t.tokenId,
      token_name: t.name,
      user_email: t.email,
      scopes: [...t.scopes],
      created_at: new Date(t.createdAt).toISOString(),
      expires_at: new Date(t.expiresAt).toISOString(),
      last_used_at: iso(t.lastUsedAt),
      status: t.status,
      revoked_at: iso(t.revokedAt),
      revoked_by: t.revokedBy,
    };
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
