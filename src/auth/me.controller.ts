import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminsService } from '../admins/admins.service.js';
import { Authenticated, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import type { SessionAuth } from '../sessions/session-data.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ExpiringTokenDto } from '../tokens/dto/expiring-token.dto.js';
import { TokensService } from '../tokens/tokens.service.js';
import { MeDto } from './dto/me.dto.js';
import { CurrentSession } from './session-user.js';

@ApiTags('me')
@Authenticated()
@Controller('api')
export class MeController {
  constructor(
    private readonly admins: AdminsService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
  ) {}

  @Get('me')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Who is calling: email, admin status, auth method, session expiry, CSRF token and tokens expiring within 7 days' })
  async me(@CurrentUser() user: AuthenticatedUser, @CurrentSession() session: SessionAuth | undefined): Promise<MeDto> {
    const [isAdmin, expiring] = await Promise.all([this.admins.isAdmin(user.email), this.tokens.expiringSoon(user.email)]);
    return {
      email: user.email,
      name: session?.name ?? user.name ?? null,
      is_admin: isAdmin,
      auth_method: user.method,
      session_expires_at: session ? new Date(this.sessions.expiresAt(session)).toISOString() : null,
      csrf_token: session?.csrfToken ?? null,
      token_id: user.tokenId ?? null,
      scopes: [...user.scopes],
      tokens_expiring_soon: expiring.map((r) => ExpiringTokenDto.from(r)),
    };
  }
}
