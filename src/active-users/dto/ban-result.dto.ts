import type { BanOutcome } from '../active-users.service.js';

export class BanResultDto {
  /** @example "mallory@example.com" */
  user_email: string;
  /** Browser sessions ended at once. @example 2 */
  sessions_ended: number;
  /** Live API tokens now refused for the ban's life (they are not revoked: an unban restores them). @example 3 */
  tokens_blocked: number;
  /** When the ban ends by itself (BAN_TTL_SECONDS from now). */
  banned_until: string;
  /** @example 604800 */
  ban_seconds: number;
  reason: string;
  banned_by: string;

  static from(b: BanOutcome): BanResultDto {
    return {
      user_email: b.email,
      sessions_ended: b.sessionsEnded,
      tokens_blocked: b.tokensBlocked,
      banned_until: new Date(b.until).toISOString(),
      ban_seconds: Math.round((b.until - b.bannedAt) / 1000),
      reason: b.reason,
      banned_by: b.bannedBy,
    };
  }
}
