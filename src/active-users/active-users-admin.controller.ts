/**
 * Admin routes about people: the active-user list, the BAN and its lifting, and the ban list.
 * The BAN sits at /api/admin/sessions/revoke-user for compatibility, but it is a ban, so it lives
 * with the module that owns bans.
 */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../common/audited.decorator.js';
import { AdminOnly, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { NotFoundError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor, searchNeedle, searchOf } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { ActiveUsersService } from './active-users.service.js';
import { ActiveUserListDto } from './dto/active-user-list.dto.js';
import { ActiveUserDto } from './dto/active-user.dto.js';
import { AdminStatsDto } from './dto/admin-stats.dto.js';
import { HourlyStatsQueryDto } from './dto/hourly-stats-query.dto.js';
import { HourlyStatsDto, HourUsageDto } from './dto/hourly-stats.dto.js';
import { BanItemDto } from './dto/ban-item.dto.js';
import { BanListDto } from './dto/ban-list.dto.js';
import { BanResultDto } from './dto/ban-result.dto.js';
import { BanUserDto } from './dto/ban-user.dto.js';
import { ListActiveUsersQueryDto } from './dto/list-active-users-query.dto.js';
import { ListBansQueryDto } from './dto/list-bans-query.dto.js';
import { UnbanParamDto } from './dto/unban-param.dto.js';
import { UnbanQueryDto } from './dto/unban-query.dto.js';
import { UnbanResultDto } from './dto/unban-result.dto.js';
import { HourlyUsageService } from './hourly-usage.service.js';
import { UserDirectoryService } from './user-directory.service.js';

const bodyUserEmail = (req: Request): string | undefined => (req.body as { user_email?: unknown } | undefined)?.user_email?.toString();

@ApiTags('admin: users and bans')
@AdminOnly()
@Controller('api/admin')
export class ActiveUsersAdminController {
  constructor(
    private readonly activeUsers: ActiveUsersService,
    private readonly directory: UserDirectoryService,
    private readonly usage: HourlyUsageService,
  ) {}

  @Get('sessions/active-users')
  @ApiOperation({ summary: 'Active users (API tokens and browser sessions), most recent access first, with totals' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad limit, cursor or q' })
  async listActiveUsers(@Query() query: ListActiveUsersQueryDto): Promise<ActiveUserListDto> {
    const page = await this.directory.listActiveUsers(
      decodeCursor(query.cursor),
      query.limit ?? DEFAULT_PAGE_SIZE,
      searchOf(query.q, query.match),
    );
    const now = Date.now();
    return {
      items: page.items.map((u) => ActiveUserDto.from(u, now)),
      next_cursor: encodeCursor(page.next),
      users: page.totals.users,
      banned: page.totals.banned,
      active_sessions: page.totals.activeSessions,
      users_by_method: { ...page.totals.usersByMethod },
    };
  }

  @Get('stats')
  @ApiOperation({ summary: "The dashboard's figures in one call: users (active, last 24 h, per method), bans, live sessions and tokens" })
  async adminStats(): Promise<AdminStatsDto> {
    const stats = await this.directory.stats();
    return {
      generated_at: new Date().toISOString(),
      total_users: stats.users,
      active_24h: stats.activeLastDay,
      banned: stats.banned,
      live_sessions: stats.liveSessions,
      live_tokens: stats.liveTokens,
      blocked_tokens: stats.blockedTokens,
      users_by_method: { ...stats.usersByMethod },
      active_user_window_seconds: this.directory.activeUserWindowSeconds,
    };
  }

  @Get('stats/hourly')
  @ApiOperation({
    summary: 'Requests and active people per hour over the last 24 hours (or ?hours=1..48), split by auth method',
    description: 'Each gateway instance adds its counts every few seconds; distinct people are HyperLogLog estimates.',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'hours is not 1 to 48' })
  async hourlyStats(@Query() query: HourlyStatsQueryDto): Promise<HourlyStatsDto> {
    const hours = (await this.usage.lastHours(query.hours ?? 24, Date.now())).map((u) => HourUsageDto.from(u));
    const sum = (pick: (h: HourUsageDto) => number): number => hours.reduce((n, h) => n + pick(h), 0);
    return {
      generated_at: new Date().toISOString(),
      hours,
      totals: {
        requests: sum((h) => h.requests),
        requests_jwt: sum((h) => h.requests_jwt),
        requests_oauth2: sum((h) => h.requests_oauth2),
      },
    };
  }

  @Post('sessions/revoke-user')
  @HttpCode(200)
  @Audited('user.ban', bodyUserEmail)
  @ApiOperation({
    summary: 'BAN: refuse every token and end every browser session of a user for BAN_TTL_SECONDS',
    description:
      'Takes effect on the next request of every client of theirs. Tokens are blocked, not revoked: they work again after an unban or when the ban ends. Banning again renews the ban.',
  })
  @ApiOkResponse({ type: BanResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'An admin cannot ban themselves' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The super admin, or an admin when the caller is not the super admin' })
  async banUser(@Body() body: BanUserDto, @CurrentUser() user: AuthenticatedUser): Promise<BanResultDto> {
    return BanResultDto.from(
      await this.activeUsers.ban({ email: body.user_email, bannedBy: user.email, reason: body.reason, actingAdmin: user.email }),
    );
  }

  @Delete('sessions/unban/:email')
  @Audited('user.unban', (req) => (req.params as { email?: string }).email)
  @ApiOperation({ summary: 'Lift a ban at once' })
  @ApiOkResponse({ type: UnbanResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'The user is not banned' })
  async unbanUser(
    @Param() params: UnbanParamDto,
    @Query() query: UnbanQueryDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<UnbanResultDto> {
    if (!(await this.activeUsers.unban(params.email, user.email, query.reason))) throw new NotFoundError('this user is not banned');
    return { user_email: canonicalEmail(params.email) ?? params.email, unbanned: true };
  }

  @Get('bans')
  @ApiOperation({ summary: 'Current bans with remaining time, who banned and why' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad limit, cursor or q' })
  async listBans(@Query() query: ListBansQueryDto): Promise<BanListDto> {
    const page = await this.directory.listBans(decodeCursor(query.cursor), query.limit ?? DEFAULT_PAGE_SIZE, searchNeedle(query.q));
    return { items: page.items.map((b) => BanItemDto.from(b)), next_cursor: encodeCursor(page.next), total: page.total };
  }
}
