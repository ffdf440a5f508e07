export class AdminUserTokensRevokedDto {
  /** @example "alice@example.com" */
  user_email: string;
  /** How many live tokens were revoked. @example 3 */
  tokens_revoked: number;
}
