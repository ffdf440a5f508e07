import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminsService } from '../admins/admins.service.js';
import { Authenticated, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import type { SessionAuth } from '../sessions/session-data.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MeDto } from './dto/me.dto.js';
import { CurrentSession } from './session-user.js';

@ApiTags('me')
@Authenticated()
@Controller('api')
export class MeController {
  constructor(
    private readonly admins: AdminsService,
    private readonly sessions: SessionsService,
  ) {}

  @Get('me')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Who is calling: email, admin status, auth method, session expiry and CSRF token' })
  async me(@CurrentUser() user: AuthenticatedUser, @CurrentSession() session: SessionAuth | undefined): Promise<MeDto> {
    return {
      email: user.email,
      name: session?.name ?? user.name ?? null,
      is_admin: await this.admins.isAdmin(user.email),
      auth_method: user.method,
      session_expires_at: session ? new Date(this.sessions.expiresAt(session)).toISOString() : null,
      csrf_token: session?.csrfToken ?? null,
      token_id: user.tokenId ?? null,
      scopes: [...user.scopes],
    };
  }
}
