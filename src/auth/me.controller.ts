import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminsService } from '../admins/admins.service.js';
import { Authenticated, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly admins: AdminsService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
  ) {}

  @Get('me')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      'Who is calling: email, role, auth method, session expiry, CSRF token, a summary of their tokens and those expiring within 7 days',
    description: "A banned person's browser session gets 403 `user_banned` with the ban (reason, remaining time) in `ban`.",
  })
  async me(@CurrentUser() user: AuthenticatedUser, @CurrentSession() session: SessionAuth | undefined): Promise<MeDto> {
    const [isAdmin, tokens, expiring] = await Promise.all([
      this.admins.isAdmin(user.email),
      this.tokens.list(user.email),
      this.tokens.expiringSoon(user.email),
    ]);
    const isSuperAdmin = this.admins.isSuperAdmin(user.email);
    return {
      email: user.email,
      name: session?.name ?? user.name ?? null,
      is_admin: isAdmin,
      is_super_admin: isSuperAdmin,
      role: isSuperAdmin ? 'super_admin' : isAdmin ? 'admin' : 'user',
      auth_method: user.method,
      session_expires_at: session ? new Date(this.sessions.expiresAt(session)).toISOString() : null,
      csrf_token: session?.csrfToken ?? null,
      token_id: user.tokenId ?? null,
      scopes: [...user.scopes],
      ban: null,
      tokens: {
        active: tokens.length,
        max_tokens: this.config.tokens.perUserMax,
        next_expiry: iso(
          tokens.reduce<number | null>((soonest, t) => (soonest === null || t.expiresAt < soonest ? t.expiresAt : soonest), null),
        ),
        last_used_at: iso(
          tokens.reduce<number | null>(
            (latest, t) => (t.lastUsedAt !== null && (latest === null || t.lastUsedAt > latest) ? t.lastUsedAt : latest),
            null,
          ),
        ),
      },
      limits: { token_max_days: this.config.tokens.maxDays, token_default_days: this.config.tokens.defaultDays },
      tokens_expiring_soon: expiring.map((r) => ExpiringTokenDto.from(r)),
    };
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
