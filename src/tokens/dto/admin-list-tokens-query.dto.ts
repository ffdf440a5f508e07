import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { SearchListQueryDto } from '../../common/list-query.dto.js';

export class AdminListTokensQueryDto extends SearchListQueryDto {
  /**
   * Only this user's tokens (exact email); the summary then counts that user's tokens.
   */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  /** Only tokens in this state (blocked: live tokens of banned people). */
  @IsOptional()
  @IsIn(['active', 'blocked', 'expired', 'revoked'])
  status?: 'active' | 'blocked' | 'expired' | 'revoked';
}
