import type { AuthMethod } from '../../common/authenticated-user.js';
import { ExpiringTokenDto } from '../../tokens/dto/expiring-token.dto.js';

/** The caller, as the gateway knows them. */
export class MeDto {
  /** @example "alice@example.com" */
  email: string;
  /** Name from the identity provider (browser sessions), or null. */
  name: string | null;
  /** Whether the caller is an admin now (ADMIN_EMAILS, ADMIN_DOMAINS, SUPER_ADMIN_EMAIL or added at run time). */
  is_admin: boolean;
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
  /** The caller's live tokens that expire within 7 days, the soonest first (rotated tokens are left out). */
  tokens_expiring_soon: ExpiringTokenDto[];
}
