/**
 * The second global guard: a signed-in browser user is checked against the ban list on every
 * request (JWT callers were checked in the same round trip as their token), and their activity
 * is recorded. A banned session gets 403 with its ban (SessionBannedError), not a 401 that would
 * send the browser to sign in again. With Redis unreachable it fails closed unless AUTH_FAIL_MODE=open;
 * any other Redis error fails closed in both modes (auth-fail-mode.ts).
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import type { SessionAdmission } from '../active-users/ban.js';
import { requestIdOf } from '../audit/request-id.js';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { ServiceUnavailableError, SessionBannedError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isRedisUnavailableError } from '../redis/redis-errors.js';
import { admitsUnchecked } from './auth-fail-mode.js';
import { AuthRefusalLog, withRefusal } from './auth-refusal-log.js';
import { readCredentials } from './request-credentials.js';

@Injectable()
export class BanGuard implements CanActivate {
  private readonly logger = new Logger(BanGuard.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly activeUsers: ActiveUsersService,
    private readonly refusals: AuthRefusalLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await this.check(context);
    } catch (err) {
      const request = context.switchToHttp().getRequest<Request>();
      // The id is echoed on the refusal too, so a caller can quote it to ops.
      const requestId = requestIdOf(request, context.switchToHttp().getResponse<Response>());
      this.refusals.refusedOnRest(request, requestId, readCredentials(request), err);
      throw err;
    }
  }

  private async check(context: ExecutionContext): Promise<boolean> {
    const user = context.switchToHttp().getRequest<RequestWithUser>().user;
    if (!user || user.method !== 'oauth2') return true;
    let admission: SessionAdmission;
    try {
      admission = await this.activeUsers.admitSession(user.email);
    } catch (err) {
      if (admitsUnchecked(this.config.authFailMode, err)) {
        this.logger.warn(
          `Redis unavailable, admitting session of ${user.email} unchecked (AUTH_FAIL_MODE=open): ${(err as Error).message}`,
        );
        return true;
      }
      const reason = isRedisUnavailableError(err) ? 'store_unavailable' : 'store_error';
      throw withRefusal(new ServiceUnavailableError('Authentication is temporarily unavailable; try again shortly'), {
        reason,
        user: user.email,
        detail: (err as Error)?.message,
      });
    }
    if (admission.kind === 'banned') {
      const remaining = admission.remainingMs > 0 ? admission.remainingMs : this.config.banTtlSeconds * 1000;
      const now = Date.now();
      const ban = await this.activeUsers.banNotice(user.email);
      throw withRefusal(new SessionBannedError(ban ?? { email: user.email, bannedAt: now, until: now + remaining, reason: '' }, now), {
        reason: 'banned',
        user: user.email,
      });
    }
    return true;
  }
}
