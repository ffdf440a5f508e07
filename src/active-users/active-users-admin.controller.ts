/**
 * Admin routes about people: the active-user list, the BAN and its lifting, and the ban list.
 * The BAN sits at /api/admin/sessions/revoke-user for compatibility, but it is a ban, so it lives
 * with the module that owns bans.
 */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../common/audited.decorator.js';
import { AdminOnly, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { NotFoundError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor, searchNeedle } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { ActiveUsersService } from './active-users.service.js';
import { ActiveUserListDto } from './dto/active-user-list.dto.js';
import { ActiveUserDto } from './dto/active-user.dto.js';
import { BanItemDto } from './dto/ban-item.dto.js';
import { BanListDto } from './dto/ban-list.dto.js';
import { BanResultDto } from './dto/ban-result.dto.js';
import { BanUserDto } from './dto/ban-user.dto.js';
import { ListActiveUsersQueryDto } from './dto/list-active-users-query.dto.js';
import { ListBansQueryDto } from './dto/list-bans-query.dto.js';
import { UnbanParamDto } from './dto/unban-param.dto.js';
import { UnbanResultDto } from './dto/unban-result.dto.js';
import { UserDirectoryService } from './user-directory.service.js';

const bodyUserEmail = (req: Request): string | undefined => (req.body as { user_email?: unknown } | undefined)?.user_email?.toString();

@ApiTags('admin: users and bans')
@AdminOnly()
@Controller('api/admin')
export class ActiveUsersAdminController {
  constructor(
    private readonly activeUsers: ActiveUsersService,
    private readonly directory: UserDirectoryService,
  ) {}

  @Get('sessions/active-users')
  @ApiOperation({ summary: 'Active users (API tokens and browser sessions), most recent access first, with totals' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad limit, cursor or q' })
  async listActiveUsers(@Query() query: ListActiveUsersQueryDto): Promise<ActiveUserListDto> {
    const page = await this.directory.listActiveUsers(decodeCursor(query.cursor), query.limit ?? DEFAULT_PAGE_SIZE, searchNeedle(query.q));
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
    return BanResultDto.from(await this.activeUsers.ban({ email: body.user_email, bannedBy: user.email, reason: body.reason, actingAdmin: user.email }));
  }

  @Delete('sessions/unban/:email')
  @Audited('user.unban', (req) => (req.params as { email?: string }).email)
  @ApiOperation({ summary: 'Lift a ban at once' })
  @ApiOkResponse({ type: UnbanResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'The user is not banned' })
  async unbanUser(@Param() params: UnbanParamDto): Promise<UnbanResultDto> {
    if (!(await this.activeUsers.unban(params.email))) throw new NotFoundError('this user is not banned');
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
