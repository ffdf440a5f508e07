import type { TokenRecord } from './token-record.js';

/**
 * A token as the admin lists show it, live or not; times are epoch milliseconds. The record's
 * fields, with lastUsedAt unknown (null) once a token has expired (its record is gone).
 */
export interface TokenListing
  extends Pick<TokenRecord, 'tokenId' | 'email' | 'name' | 'scopes' | 'createdAt' | 'expiresAt' | 'lastUsedAt' | 'status'> {
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

export interface TokenSummary {
  readonly total: number;
  readonly active: number;
  readonly expired: number;
  readonly revoked: number;
}
