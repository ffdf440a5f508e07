import type { TokenRecord, TokenStatus } from './token-record.js';

/** A listed token's state: a live token of a banned person is `blocked` (it works again after the ban). */
export type ListingStatus = TokenStatus | 'blocked';

/**
 * A token as the admin lists show it, live or not; times are epoch milliseconds. The record's
 * fields, with lastUsedAt unknown (null) once a token has expired (its record is gone).
 */
export interface TokenListing extends Pick<
  TokenRecord,
  'tokenId' | 'email' | 'name' | 'scopes' | 'createdAt' | 'expiresAt' | 'lastUsedAt'
> {
  readonly status: ListingStatus;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

export interface TokenSummary {
  readonly total: number;
  /** Live tokens of people not banned. */
  readonly active: number;
  /** Live tokens of banned people. */
  readonly blocked: number;
  readonly expired: number;
  readonly revoked: number;
}
