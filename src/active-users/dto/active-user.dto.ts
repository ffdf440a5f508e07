import type { ActiveUser } from '../user-directory.service.js';

export class ActiveUserDto {
  /** @example "alice@example.com" */
  email: string;
  /** Every way the person came in while active: jwt (API token), oauth2 (browser login). */
  auth_methods: Array<'jwt' | 'oauth2'>;
  /** How they came in last. */
  last_method: string;
  /** Live browser sessions. @example 1 */
  session_count: number;
  /** Live API tokens. @example 2 */
  token_count: number;
  /** First request of this activity period. */
  created_at: string | null;
  last_access: string;
  /** When the activity record ends unless they come back (last access + ACTIVE_USER_TTL_SECONDS). */
  expires_at: string;
  /** @example 86000 */
  ttl_seconds: number;
  /** Requests counted in this activity period. */
  request_count: number;
  /** Name of the token used last. */
  last_token_name: string;
  is_banned: boolean;
  /** Seconds left of the ban; null when not banned (or a ban without end). */
  ban_remaining_seconds: number | null;

  static from(u: ActiveUser, nowMs: number): ActiveUserDto {
    return {
      email: u.email,
      auth_methods: [...u.authMethods],
      last_method: u.lastMethod,
      session_count: u.sessionCount,
      token_count: u.tokenCount,
      created_at: u.firstSeen === null ? null : new Date(u.firstSeen).toISOString(),
      last_access: new Date(u.lastAccess).toISOString(),
      expires_at: new Date(nowMs + u.ttlMs).toISOString(),
      ttl_seconds: Math.ceil(u.ttlMs / 1000),
      request_count: u.requestCount,
      last_token_name: u.lastTokenName,
      is_banned: u.isBanned,
      ban_remaining_seconds: u.banRemainingMs === null ? null : Math.ceil(u.banRemainingMs / 1000),
    };
  }
}
