/**
 * The signed-in browser user of a request, from the session express-session loaded (the store
 * has already refused expired and ended sessions). Nothing the client sends but the signed
 * session cookie can set it.
 */
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthenticatedUser, RequestWithUser } from '../common/authenticated-user.js';
import { sessionIdOf, type SessionAuth } from '../sessions/session-data.js';

export function sessionAuthOf(req: Request): SessionAuth | undefined {
  return (req.session as Request['session'] | undefined)?.auth;
}

/** The email of a banned person whose session the BAN ended (see BanNoticeState), if this request carries one. */
export function bannedSessionEmailOf(req: Request): string | undefined {
  return (req.session as Request['session'] | undefined)?.banNotice?.email;
}

export function sessionUserOf(req: Request): AuthenticatedUser | null {
  const auth = sessionAuthOf(req);
  if (!auth) return null;
  return { email: auth.email, name: auth.name, method: 'oauth2', scopes: ['llm'], sessionId: sessionIdOf(req.sessionID) };
}

/** The caller's browser session, when the request was authenticated by one (not by a token). */
export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionAuth | undefined => {
  const req = ctx.switchToHttp().getRequest<Request & RequestWithUser>();
  return req.user?.method === 'oauth2' ? sessionAuthOf(req) : undefined;
});
