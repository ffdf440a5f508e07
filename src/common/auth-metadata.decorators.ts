/**
 * Route metadata read by the global guards in auth/. Plain functions with no dependencies, so
 * features can mark their routes without importing auth/. Authentication is on by default:
 * a route without @Public() needs credentials.
 */
import { SetMetadata, applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthenticatedUser, RequestWithUser } from './authenticated-user.js';

export const IS_PUBLIC = 'llmgw:isPublic';
export const IS_ADMIN_ONLY = 'llmgw:isAdminOnly';
export const IS_SUPER_ADMIN_ONLY = 'llmgw:isSuperAdminOnly';

/** Name of the Bearer security scheme in the OpenAPI document. */
export const BEARER_SCHEME = 'bearer';
/** Name of the session-cookie security scheme in the OpenAPI document. */
export const COOKIE_SCHEME = 'session';

/** Opens a route to callers without credentials. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Any authenticated caller (session or Bearer token), documented as such. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiBearerAuth(BEARER_SCHEME),
    ApiCookieAuth(COOKIE_SCHEME),
    ApiUnauthorizedResponse({ description: 'No valid credentials, or the user is banned' }),
  );

/** Admins only: an admin's browser session, or a Bearer token with the admin scope of a current admin. */
export const AdminOnly = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_ADMIN_ONLY, true), Authenticated(), ApiForbiddenResponse({ description: 'The caller is not an admin' }));

/** Super admin only (SUPER_ADMIN_EMAIL). */
export const SuperAdminOnly = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(IS_SUPER_ADMIN_ONLY, true), AdminOnly());

/** The authenticated caller, as set by the global auth guard. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const request = ctx.switchToHttp().getRequest<RequestWithUser>();
  if (!request.user) throw new Error('CurrentUser used on a route without an authenticated user');
  return request.user;
});
