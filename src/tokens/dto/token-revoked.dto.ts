export class TokenRevokedDto {
  token_id: string;
  revoked: true;
  /** ISO 8601. */
  revoked_at: string;
}
