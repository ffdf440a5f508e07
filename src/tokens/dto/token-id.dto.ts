import { Matches } from 'class-validator';

/** A token id, as `token_id` in the query (GET /api/token/info) or the body (POST /api/token/revoke). */
export class TokenIdDto {
  /**
   * The token's id (`token_id` from generate or list).
   * @example "b1Qn3yJ0a2Vw5kq7RZ8xY9sT"
   */
  @Matches(/^[A-Za-z0-9_-]{16,64}$/, { message: 'token_id must be a token id from /api/token/list' })
  token_id: string;
}
