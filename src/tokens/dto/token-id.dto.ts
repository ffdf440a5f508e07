import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { TOKEN_ID } from '../../common/ids.js';

/** A token id, as `token_id` in the query (GET /api/token/info) or the body (POST /api/token/revoke). */
export class TokenIdDto {
  /**
   * The token's id (`token_id` from generate or list).
   * @example "b1Qn3yJ0a2Vw5kq7RZ8xY9sT"
   */
  @ApiProperty({ pattern: TOKEN_ID.source })
  @Matches(TOKEN_ID, { message: 'token_id must be a token id from /api/token/list' })
  token_id: string;
}
