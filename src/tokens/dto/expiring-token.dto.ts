import type { TokenRecord } from '../token-record.js';

/** A live token of the caller that ends within 7 days: make a new one (or rotate it) before then. */
export class ExpiringTokenDto {
  token_id: string;
  token_name: string;
  /** ISO 8601. */
  expires_at: string;

  static from(record: TokenRecord): ExpiringTokenDto {
    return { token_id: record.tokenId, token_name: record.name, expires_at: new Date(record.expiresAt).toISOString() };
  }
}
