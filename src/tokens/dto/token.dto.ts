import type { TokenRecord } from '../token-record.js';

/** One of the caller's tokens (never the token itself: it is shown once, at generation). */
export class TokenDto {
  token_id: string;
  token_name: string;
  /** @example ["llm"] */
  scopes: string[];
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  expires_at: string;
  /** Last request made with the token (ISO 8601), or null. */
  last_used_at: string | null;
  /** `active`, or `revoked` (kept visible until the token would have expired). */
  status: 'active' | 'expired' | 'revoked';
  /** How its creator was signed in: `oauth2` (browser), `jwt` (another token), `cli` or `admin`. */
  created_via: string;
  /** When it was revoked (ISO 8601), or null. A rotated token is revoked when its grace ends. */
  revoked_at: string | null;
  /** The token that replaced it (POST /api/token/rotate), or null. */
  rotated_to: string | null;
  /** The token it replaced, or null. */
  rotated_from: string | null;

  static from(record: TokenRecord): TokenDto {
    return {
      token_id: record.tokenId,
      token_name: record.name,
      scopes: [...record.scopes],
      created_at: new Date(record.createdAt).toISOString(),
      expires_at: new Date(record.expiresAt).toISOString(),
      last_used_at: record.lastUsedAt === null ? null : new Date(record.lastUsedAt).toISOString(),
      status: record.status,
      created_via: record.createdVia,
      revoked_at: record.revokedAt === undefined ? null : new Date(record.revokedAt).toISOString(),
      rotated_to: record.rotatedTo ?? null,
      rotated_from: record.rotatedFrom ?? null,
    };
  }
}
