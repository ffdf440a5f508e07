import type { TokenScope } from '../common/authenticated-user.js';

/** How the creator of a token was authenticated when they minted it. */
export type TokenCreatedVia = 'cli' | 'oauth2' | 'jwt' | 'admin';

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** A token as the gateway knows it; times are epoch milliseconds. The token string itself is never stored. */
export interface TokenRecord {
  readonly tokenId: string;
  readonly email: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastUsedAt: number | null;
  readonly createdVia: TokenCreatedVia;
  readonly status: TokenStatus;
  readonly revokedAt?: number;
  readonly revokedBy?: string;
  /** Set once the token was rotated: the id of the token that replaced it. */
  readonly rotatedTo?: string;
  /** Set on a token made by rotation: the id of the token it replaced. */
  readonly rotatedFrom?: string;
}
