/**
 * express-session's store, on the shared Redis client through SessionsService: records under
 * keys.session(id) with a TTL at the session's end, and the per-user and by-expiry indexes that
 * let the gateway list, count and end sessions. Ids are stored hashed (see sessionIdOf).
 */
import { Injectable } from '@nestjs/common';
import session, { type Session, type SessionData } from 'express-session';
import { toError } from '../common/unknown-value.js';
import { SessionsService } from './sessions.service.js';

type Callback = (err?: unknown) => void;

@Injectable()
export class RedisSessionStore extends session.Store {
  constructor(private readonly sessions: SessionsService) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.sessions.load(sid).then(
      (data) => callback(null, data),
      (err: unknown) => callback(err),
    );
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    settle(this.sessions.save(sid, data), callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(this.sessions.destroy(sid), callback);
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    settle(this.sessions.touch(sid, data), callback);
  }
}

function settle(work: Promise<void>, callback: Callback | undefined): void {
  work.then(
    () => callback?.(),
    (err: unknown) => callback?.(err),
  );
}

// ---- operations on a request's session (express-session's callbacks as promises) ----

/** Gives the request a new session id; the old session, and anything on it, is destroyed. Read req.session again afterwards. */
export function regenerateSession(current: Session): Promise<void> {
  return new Promise<void>((resolve, reject) => current.regenerate((err: unknown) => (err ? reject(toError(err)) : resolve())));
}

/** Writes the request's session now (instead of when the answer ends), so a store failure can still be answered. */
export function saveSession(current: Session): Promise<void> {
  return new Promise<void>((resolve, reject) => current.save((err: unknown) => (err ? reject(toError(err)) : resolve())));
}

/** Ends the request's session, if it has one. */
export async function destroySession(current: Session | undefined): Promise<void> {
  if (!current) return;
  await new Promise<void>((resolve, reject) => current.destroy((err: unknown) => (err ? reject(toError(err)) : resolve())));
}
