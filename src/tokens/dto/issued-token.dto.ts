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
}
