import type { IssuedToken } from '../tokens.service.js';

/** A new token. `token` is shown this once and never stored by the gateway; keep it safe. */
export class IssuedTokenDto {
  /** The JWT: send it as `Authorization: Bearer <token>` or `x-api-key: <token>`. */
  token: string;
  token_type: 'Bearer';
  token_id: string;
  token_name: string;
  /** Lifetime in seconds. */
  expires_in: number;
  /** ISO 8601. */
  expires_at: string;
  /** ISO 8601. */
  created_at: string;
  /** @example ["llm"] */
  scopes: string[];
  /** The owner: the caller. */
  user_email: string;

  static from({ token, record }: IssuedToken): IssuedTokenDto {
    return {
      token,
      token_type: 'Bearer',
      token_id: record.tokenId,
      token_name: record.name,
      expires_in: Math.round((record.expiresAt - record.createdAt) / 1000),
      expires_at: new Date(record.expiresAt).toISOString(),
      created_at: new Date(record.createdAt).toISOString(),
      scopes: [...record.scopes],
      user_email: record.email,
    };
  }
}
