import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../../common/list-query.dto.js';

export class ListAuditQueryDto extends ListQueryDto {
  /**
   * Only entries by this actor (exact canonical email, or "scheduler").
   */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  actor?: string;

  /**
   * Only this action, e.g. user.ban, user.unban, token.revoke, token.revoke_user, session.delete,
   * session.logout_user, cleanup.execute, admin.add, admin.remove.
   */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  /**
   * Only entries about this target (exact: an email, a token id, a session id).
   */
  @IsOptional()
  @IsString()
  @MaxLength(320)
  target?: string;

  /** Only this outcome. */
  @IsOptional()
  @IsIn(['success', 'failure', 'denied'])
  outcome?: 'success' | 'failure' | 'denied';

  /**
   * Entries at or after this time (ISO 8601).
   */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Entries at or before this time (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}
