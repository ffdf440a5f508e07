import { UsersByMethodDto } from './users-by-method.dto.js';

/** Active users per auth method, with those who used both. */
export class StatsUsersByMethodDto extends UsersByMethodDto {
  /** People who used both an API token and a browser session. @example 15 */
  both: number;
}

/** The figures of the admin dashboard's stat cards, from the indexes (cheap at any size). */
export class AdminStatsDto {
  generated_at: string;
  /** People seen within ACTIVE_USER_TTL_SECONDS (the Active Users list's size). @example 150 */
  total_users: number;
  /** People seen within the last 24 hours. @example 120 */
  active_24h: number;
  /** Current bans (also of people not active now). @example 2 */
  banned: number;
  /** Live browser sessions. @example 60 */
  live_sessions: number;
  /** Live API tokens (not expired, not revoked), blocked ones included. @example 900 */
  live_tokens: number;
  /** Live tokens of banned people. @example 3 */
  blocked_tokens: number;
  users_by_method: StatsUsersByMethodDto;
  /** ACTIVE_USER_TTL_SECONDS. @example 86400 */
  active_user_window_seconds: number;
}
