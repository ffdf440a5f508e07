import type { TokenScope } from '../common/authenticated-user.js';
import type { TokenStatus } from './token-record.js';

/** A token as the admin lists show it, live or not; times are epoch milliseconds. */
export interface TokenListing {
  readonly tokenId: string;
  readonly email: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Unknown once a token has expired (its record is gone). */
  readonly lastUsedAt: number | null;
  readonly status: TokenStatus;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

export interface TokenSummary {
  readonly total: number;
  readonly active: number;
  readonly expired: number;
  readonly revoked: number;
}
