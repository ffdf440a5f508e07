import type { AuthMethod } from '../../common/authenticated-user.js';
import type { BanNoticeDto } from '../../common/error-response.dto.js';
import { ExpiringTokenDto } from '../../tokens/dto/expiring-token.dto.js';

/** The caller's own live tokens at a glance. */
export class MeTokenSummaryDto {
  /** Live tokens. @example 2 */
  active: number;
  /** TOKENS_PER_USER_MAX: most live tokens one person may hold. @example 20 */
  max_tokens: number;
  /** Soonest expiry of a live token (ISO 8601), or null. */
  next_expiry: string | null;
  /** Latest use of any live token (ISO 8601), or null. */
  last_used_at: string | null;
}

/** Lifetimes the token form offers. */
export class MeTokenLimitsDto {
  /** TOKEN_MAX_DAYS. @example 90 */
  token_max_days: number;
  /** TOKEN_DEFAULT_DAYS. @example 30 */
  token_default_days: number;
}

/**
 * The caller, as the gateway knows them. A browser session of a banned person never gets this:
 * it gets 403 `user_banned` with the ban (reason, remaining time) in `ban`.
 */
export class MeDto {
  /** @example "alice@example.com" */
  email: string;
  /** Name from the identity provider (browser sessions), or null. */
  name: string | null;
  /** Whether the caller is an admin now (ADMIN_EMAILS, ADMIN_DOMAINS, SUPER_ADMIN_EMAIL or added at run time). */
  is_admin: boolean;
  /** Whether the caller is SUPER_ADMIN_EMAIL (manages admins). */
  is_super_admin: boolean;
  /** user, admin or super_admin: which pages the caller may use. */
  role: 'user' | 'admin' | 'super_admin';
  /** How this request was authenticated: `oauth2` (browser session) or `jwt` (API token). */
  auth_method: AuthMethod;
  /** When the browser session ends unless used again (ISO 8601); null for API tokens. */
  session_expires_at: string | null;
  /** Send this in `X-CSRF-Token` on POST/PUT/DELETE made with the session cookie; null for API tokens. */
  csrf_token: string | null;
  /** The API token's id when authenticated by one, else null. */
  token_id: string | null;
  /** The token's scopes, or the session's. */
  scopes: string[];
  /** Always null here: a banned person's session answers 403 `user_banned` with the ban instead. */
  ban: BanNoticeDto | null;
  tokens: MeTokenSummaryDto;
  limits: MeTokenLimitsDto;
  /** The caller's live tokens that expire within 7 days, the soonest first (rotated tokens are left out). */
  tokens_expiring_soon: ExpiringTokenDto[];
}
