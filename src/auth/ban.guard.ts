/**
 * The second global guard: a signed-in browser user is checked against the ban list on every
 * request (JWT callers were checked in the same round trip as their token), and their activity
 * is recorded. A banned session gets 403 with its ban (SessionBannedError), not a 401 that would
 * send the browser to sign in again. With Redis unreachable it fails closed unless AUTH_FAIL_MODE=open.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import type { SessionAdmission } from '../active-users/ban.js';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { ServiceUnavailableError, SessionBannedError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

@Injectable()
export class BanGuard implements CanActivate {
  private readonly logger = new Logger(BanGuard.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly activeUsers: ActiveUsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const user = context.switchToHttp().getRequest<RequestWithUser>().user;
    if (!user || user.method !== 'oauth2') return true;
    let admission: SessionAdmission;
    try {
      admission = await this.activeUsers.admitSession(user.email);
    } catch (err) {
      if (this.config.authFailMode === 'open') {
        this.logger.warn(`Redis unavailable, admitting session of ${user.email} unchecked (AUTH_FAIL_MODE=open): ${(err as Error).message}`);
        return true;
      }
      throw new ServiceUnavailableError('Authentication is temporarily unavailable; try again shortly');
    }
    if (admission.kind === 'banned') {
      const remaining = admission.remainingMs > 0 ? admission.remainingMs : this.config.banTtlSeconds * 1000;
      const now = Date.now();
      const ban = await this.activeUsers.banNotice(user.email);
      throw new SessionBannedError(ban ?? { email: user.email, bannedAt: now, until: now + remaining, reason: '' }, now);
    }
    return true;
  }
}
