/**
 * The third global guard: an unsafe request (not GET/HEAD/OPTIONS) that rides on a session cookie
 * must carry the session's CSRF token (X-CSRF-Token, or a csrf_token form field for the logout
 * form) and, when the browser says where it comes from, be same-origin (Origin equal to PUBLIC_URL's,
 * Sec-Fetch-Site same-origin). Requests authenticated by a Bearer token or API key need none of this.
 */
import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { ForbiddenError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { sessionAuthOf } from './session-user.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

@Injectable()
export class CsrfGuard implements CanActivate {
  private readonly origin: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.origin = new URL(config.publicUrl).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    const auth = sessionAuthOf(req);
    if (!auth) return true;
    // Exempt only a caller the authentication guard actually verified by token: a token header
    // alone proves nothing on a @Public() route (logout), where no guard checks it.
    if ((req as Request & RequestWithUser).user?.method === 'jwt') return true;

    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new ForbiddenError('Cross-site request refused', 'csrf_failed');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.origin) {
      throw new ForbiddenError('Request origin does not match the gateway', 'csrf_failed');
    }
    if (!sameSecret(this.tokenOf(req), auth.csrfToken)) {
      throw new ForbiddenError(`Missing or wrong CSRF token: send the csrf_token of GET /api/me in the X-CSRF-Token header`, 'csrf_failed');
    }
    return true;
  }

  private tokenOf(req: Request): string | undefined {
    const header = req.headers[CSRF_HEADER];
    if (typeof header === 'string') return header;
    if (req.is('application/x-www-form-urlencoded')) {
      const field = (req.body as Record<string, unknown> | undefined)?.csrf_token;
      if (typeof field === 'string') return field;
    }
    return undefined;
  }
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
