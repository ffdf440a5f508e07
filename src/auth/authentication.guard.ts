/**
 * The global guard: every Nest route needs credentials unless it is marked @Public().
 * Bearer/x-api-key tokens go through passport-jwt; without a token, a signed-in browser session
 * (loaded by express-session) authenticates. A token and a session of two different people are
 * refused (neither wins silently); of the same person, the token authenticates. Forgetting a
 * decorator closes a route.
 */
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { IS_PUBLIC } from '../common/auth-metadata.decorators.js';
import { requestIdOf } from '../audit/request-id.js';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import { InvalidCredentialsError, SessionBannedError } from '../common/domain-errors.js';
import { AuthRefusalLog } from './auth-refusal-log.js';
import { JWT_STRATEGY } from './jwt.strategy.js';
import { readCredentials } from './request-credentials.js';
import { bannedSessionEmailOf, sessionUserOf } from './session-user.js';
import { toError } from '../common/unknown-value.js';

class PassportJwtGuard extends AuthGuard(JWT_STRATEGY) {
  override handleRequest<TUser>(err: unknown, user: TUser | false): TUser {
    if (err) throw toError(err);
    if (!user) throw new InvalidCredentialsError();
    return user;
  }
}

@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly jwtGuard = new PassportJwtGuard();

  constructor(
    private readonly reflector: Reflector,
    private readonly refusals: AuthRefusalLog,
    private readonly activeUsers: ActiveUsersService,
  ) {}

  /** A session the BAN ended answers 403 with the ban while it lasts (a 401 would loop through sign-in). */
  private async refuseBannedSession(request: Request): Promise<void> {
    const email = bannedSessionEmailOf(request);
    if (email === undefined) return;
    const ban = await this.activeUsers.banNotice(email);
    if (ban !== null) throw new SessionBannedError(ban, Date.now());
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    try {
      return await this.authenticate(context);
    } catch (err) {
      const request = context.switchToHttp().getRequest<Request>();
      // The id is echoed on the refusal too, so a caller can quote it to ops.
      const requestId = requestIdOf(request, context.switchToHttp().getResponse<Response>());
      this.refusals.refusedOnRest(request, requestId, readCredentials(request), err);
      throw err;
    }
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const credentials = readCredentials(request);
    if (credentials.kind === 'invalid') throw new InvalidCredentialsError('Conflicting or malformed credentials');
    const sessionUser = sessionUserOf(request);
    if (credentials.kind === 'token') {
      await this.jwtGuard.canActivate(context);
      const tokenUser = (request as RequestWithUser).user;
      if (sessionUser !== null && tokenUser?.email !== sessionUser.email) {
        throw new InvalidCredentialsError(
          'The session cookie and the token belong to different users; send one of them',
          'conflicting_credentials',
        );
      }
      return true;
    }
    if (sessionUser === null) {
      await this.refuseBannedSession(request);
      throw new InvalidCredentialsError();
    }
    (request as RequestWithUser).user = sessionUser;
    return true;
  }
}
