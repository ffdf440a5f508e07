/**
 * What a browser session holds. express-session keeps it on `req.session` and the Redis store
 * saves it as one JSON string. Times are epoch milliseconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SESSION_ID } from '../common/ids.js';

/** The signed-in person, set once at login on a freshly generated session id. */
export interface SessionAuth {
  /** Canonical email. */
  email: string;
  name: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
  /** Sent back in X-CSRF-Token on unsafe requests; readable through GET /api/me. */
  csrfToken: string;
}

/** Kept between /auth/login and /auth/callback (never a full URL: a same-origin path). */
export interface LoginState {
  returnTo: string;
  startedAt: number;
}

/**
 * Left in place of a session the BAN ended (and never together with `auth`): the browser holding
 * the cookie is told it is banned instead of being sent to sign in. `until` bounds its life.
 */
export interface BanNoticeState {
  email: string;
  until: number;
}

declare module 'express-session' {
  interface SessionData {
    auth?: SessionAuth;
    login?: LoginState;
    banNotice?: BanNoticeState;
  }
}

/** An ended or expired session as admins and the store see it. */
export interface SessionView {
  /** The public id: SHA-256 of the cookie's session id (see sessionIdOf). */
  readonly sessionId: string;
  readonly email: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  /** Sign-in + SESSION_TTL_SECONDS: the end whatever the use. */
  readonly absoluteExpiresAt: number;
  /** Last seen + SESSION_IDLE_SECONDS: the end unless used again. */
  readonly idleExpiresAt: number;
  readonly ip: string;
  readonly userAgent: string;
}

/** A new cookie session id: 256 random bits. */
export function newCookieSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The id a session is stored and shown under: SHA-256 of the id in the cookie. Admins and
 * anyone reading Redis see only this, which cannot be turned back into a working cookie.
 */
export function sessionIdOf(cookieSessionId: string): string {
  return createHash('sha256').update(cookieSessionId).digest('base64url');
}

/** True for a well-formed public session id (and so never an arbitrary key name). */
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}
