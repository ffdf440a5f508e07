/**
 * The last global guard: routes marked @AdminOnly() or @SuperAdminOnly() need an admin's browser
 * session, or a Bearer token that carries the `admin` scope and belongs to someone who is an
 * admin now (revoking admin rights takes effect on the next request, whatever tokens they hold).
 * Everyone else gets 403 before the handler runs, so nothing changes; a refusal on an @Audited
 * route is recorded as "denied".
 */
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AdminsService } from '../admins/admins.service.js';
import { AuditService } from '../audit/audit.service.js';
import { requestIdOf } from '../audit/request-id.js';
import { AUDITED, type AuditedOptions } from '../common/audited.decorator.js';
import { IS_ADMIN_ONLY, IS_SUPER_ADMIN_ONLY } from '../common/auth-metadata.decorators.js';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { ForbiddenError, InvalidCredentialsError, ServiceUnavailableError } from '../common/domain-errors.js';
import { auditedCallOf } from '../audit/audited-call.js';

@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly admins: AdminsService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const superOnly = this.reflector.getAllAndOverride<boolean>(IS_SUPER_ADMIN_ONLY, targets) === true;
    const adminOnly = superOnly || this.reflector.getAllAndOverride<boolean>(IS_ADMIN_ONLY, targets) === true;
    if (!adminOnly) return true;

    const http = context.switchToHttp();
    const req = http.getRequest<Request & RequestWithUser>();
    // The request id is fixed (and echoed) here, so a refusal names the same id as its audit entry.
    requestIdOf(req, http.getResponse<Response>());
    const user = req.user;
    // The authentication guard runs first; a route reaching here without a user is a wiring bug.
    if (!user) throw new InvalidCredentialsError();

    const refusal = await this.refusal(user.email, user.method, user.scopes, superOnly);
    if (refusal === null) return true;
    const audited = this.reflector.get<AuditedOptions | undefined>(AUDITED, context.getHandler());
    if (audited !== undefined) await this.audit.recordCall(auditedCallOf(req, audited), user, 'denied', 403, refusal.message);
    throw refusal;
  }

  private async refusal(email: string, method: string, scopes: readonly string[], superOnly: boolean): Promise<ForbiddenError | null> {
    if (method === 'jwt' && !scopes.includes('admin')) {
      return new ForbiddenError('Admin routes need a token with the admin scope', 'admin_scope_required');
    }
    if (superOnly) {
      return this.admins.isSuperAdmin(email) ? null : new ForbiddenError('Only the super admin may do this', 'super_admin_only');
    }
    let isAdmin: boolean;
    try {
      isAdmin = await this.admins.isAdmin(email);
    } catch {
      // Run-time admins live in Redis: without it only environment admins are known, and nobody else passes.
      throw new ServiceUnavailableError('Admin check is temporarily unavailable; try again shortly');
    }
    return isAdmin ? null : new ForbiddenError('Admins only', 'not_admin');
  }
}
