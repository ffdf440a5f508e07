/**
 * The REST API's answers as the pages read them (see docs/API_USAGE.md and docs/AUTH0.md).
 * Fields marked optional are newer than some gateways: the pages work without them.
 */

export type Role = 'user' | 'admin' | 'super_admin';

export interface Me {
  email: string;
  name: string | null;
  is_admin: boolean;
  is_super_admin?: boolean;
  role?: Role;
  auth_method: 'oauth2' | 'jwt';
  session_expires_at: string | null;
  csrf_token: string | null;
  token_id: string | null;
  scopes: string[];
  tokens?: { active: number; max_tokens: number; next_expiry: string | null; last_used_at: string | null };
  limits?: { token_max_days: number; token_default_days: number };
}

export interface BanNotice {
  email: string;
  reason: string;
  banned_at: string;
  banned_until: string;
  remaining_seconds: number | null;
}

export interface ErrorBody {
  statusCode?: number;
  error?: string;
  message?: string | string[];
  code?: string;
  banned_until?: string;
  ban?: BanNotice;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Token {
  token_id: string;
  token_name: string;
  scopes: string[];
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  status: 'active' | 'expired' | 'revoked' | 'blocked';
  created_via: string;
  revoked_at: string | null;
}

export interface TokenList extends Page<Token> {
  total: number;
  max_tokens: number;
}

export interface IssuedToken {
  token: string;
  token_type: 'Bearer';
  token_id: string;
  token_name: string;
  expires_in: number;
  expires_at: string;
  created_at: string;
  scopes: string[];
  user_email: string;
}

export interface AdminStats {
  generated_at: string;
  total_users: number;
  active_24h: number;
  banned: number;
  live_sessions: number;
  session_users?: number;
  live_tokens: number;
  blocked_tokens: number;
  users_by_method: { jwt: number; oauth2: number; both?: number };
  active_user_window_seconds: number;
}

export interface HourlyRow {
  hour: string;
  requests: number;
  requests_jwt: number;
  requests_oauth2: number;
  active_users: number;
  active_users_jwt: number;
  active_users_oauth2: number;
}

export interface HourlyStats {
  generated_at: string;
  hours: HourlyRow[];
  totals: { requests: number; requests_jwt: number; requests_oauth2: number };
}

export interface ActiveUser {
  email: string;
  auth_methods: Array<'jwt' | 'oauth2'>;
  last_method: string;
  session_count: number;
  token_count: number;
  created_at: string | null;
  last_access: string;
  expires_at: string;
  ttl_seconds: number;
  request_count: number;
  last_token_name: string;
  is_banned: boolean;
  ban_remaining_seconds: number | null;
}

export interface ActiveUserList extends Page<ActiveUser> {
  users: number;
  banned: number;
  active_sessions: number;
  users_by_method: { jwt: number; oauth2: number };
}

export interface BanResult {
  user_email: string;
  sessions_ended: number;
  tokens_blocked: number;
  banned_until: string;
  ban_seconds: number;
  reason: string;
  banned_by: string;
}

export interface Ban {
  email: string;
  banned_at: string;
  banned_until: string;
  remaining_seconds: number | null;
  banned_by: string;
  reason: string;
}

export interface BanList extends Page<Ban> {
  total: number;
}

export interface Session {
  session_id: string;
  email: string;
  name: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ttl_seconds: number;
  absolute_expires_at?: string;
  idle_expires_at?: string;
  ip: string;
  user_agent: string;
}

export interface SessionList extends Page<Session> {
  total: number;
}

export interface SessionStats {
  total: number;
  unique_users: number;
}

export interface AdminToken {
  token_id: string;
  token_name: string;
  user_email: string;
  scopes: string[];
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  status: 'active' | 'blocked' | 'expired' | 'revoked';
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface AdminTokenList extends Page<AdminToken> {
  total: number;
  active: number;
  blocked?: number;
  expired: number;
  revoked: number;
}

export interface CleanupCategory {
  category: string;
  description: string;
  count: number;
  bytes: number;
}

export interface CleanupItem {
  category: string;
  key: string;
  member: string | null;
  reason: string;
  count: number;
}

export interface CleanupPreview {
  generated_at: string;
  duration_ms: number;
  found: number;
  freeable_bytes: number;
  categories: CleanupCategory[];
  items: CleanupItem[];
  items_truncated: boolean;
}

export interface CleanupJob {
  job_id: string;
  run_id: string;
  state: 'running' | 'finished' | 'failed';
  phase: string;
  actor: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  scanned: number;
  found: number;
  deleted: number;
  freed_bytes: number;
  error: string | null;
}

/** GET /api/admin/redis/cleanup/jobs/current: the running job, or the latest one within an hour after it ended. */
export interface CurrentCleanupJob {
  job: CleanupJob | null;
}

export interface CleanupRunSummary {
  run_id: string;
  trigger: 'manual' | 'scheduled';
  actor: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  found: number;
  deleted: number;
  freed_bytes: number;
  categories: CleanupCategory[];
  error: string | null;
}

export interface CleanupRun extends CleanupRunSummary {
  items: CleanupItem[];
  items_truncated: boolean;
}

export interface CleanupLogList extends Page<CleanupRunSummary> {
  total: number;
  retention_days: number;
}

export interface AuditEntry {
  id: string;
  time: string;
  actor: string;
  actor_method: string;
  actor_token_id: string;
  action: string;
  target: string;
  request_id: string;
  outcome: 'success' | 'failure' | 'denied';
  status: number;
  detail: string;
  ip: string;
}

export interface AuditList extends Page<AuditEntry> {
  total: number;
  retention_days: number;
}

export interface AdminEntry {
  email: string;
  source: 'super_admin' | 'env' | 'runtime';
  removable: boolean;
  added_by: string | null;
  added_at: string | null;
}

export interface AdminList extends Page<AdminEntry> {
  admin_domains: string[];
}
