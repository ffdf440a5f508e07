import type { SessionView } from '../session-data.js';

/** One signed-in browser session, as admins see it (never the cookie or its secret parts). */
export class SessionItemDto {
  /**
   * The session's public id: SHA-256 of the cookie's session id, so it cannot be used as a cookie.
   * @example "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
   */
  session_id: string;
  /** @example "alice@example.com" */
  email: string;
  /** Name from the identity provider. */
  name: string;
  /** Sign-in time (ISO 8601). */
  created_at: string;
  /** Last request on the session (ISO 8601), written at most every few seconds. */
  last_seen_at: string;
  /** When the session ends unless used again: the earlier of its absolute and idle end (ISO 8601). */
  expires_at: string;
  /** Seconds until expires_at. */
  ttl_seconds: number;
  /** Sign-in + SESSION_TTL_SECONDS: the session ends then however it is used (ISO 8601). */
  absolute_expires_at: string;
  /** Last seen + SESSION_IDLE_SECONDS: the session ends then unless used again (ISO 8601). */
  idle_expires_at: string;
  /** Client address at sign-in (honours TRUST_PROXY). */
  ip: string;
  /** User-Agent at sign-in. */
  user_agent: string;

  static from(view: SessionView, nowMs: number): SessionItemDto {
    return {
      session_id: view.sessionId,
      email: view.email,
      name: view.name,
      created_at: new Date(view.createdAt).toISOString(),
      last_seen_at: new Date(view.lastSeenAt).toISOString(),
      expires_at: new Date(view.expiresAt).toISOString(),
      ttl_seconds: Math.max(0, Math.ceil((view.expiresAt - nowMs) / 1000)),
      absolute_expires_at: new Date(view.absoluteExpiresAt).toISOString(),
      idle_expires_at: new Date(view.idleExpiresAt).toISOString(),
      ip: view.ip,
      user_agent: view.userAgent,
    };
  }
}
