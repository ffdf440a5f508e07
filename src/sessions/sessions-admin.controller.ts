import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../common/audited.decorator.js';
import { AdminOnly, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { InvalidInputError, NotFoundError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor, searchOf } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { ListSessionsQueryDto } from './dto/list-sessions-query.dto.js';
import { LogoutUserDto } from './dto/logout-user.dto.js';
import { SessionEndedDto } from './dto/session-ended.dto.js';
import { SessionIdParamDto } from './dto/session-id-param.dto.js';
import { SessionItemDto } from './dto/session-item.dto.js';
import { SessionListDto } from './dto/session-list.dto.js';
import { SessionStatsQueryDto } from './dto/session-stats-query.dto.js';
import { SessionStatsDto } from './dto/session-stats.dto.js';
import { UserSessionsEndedDto } from './dto/user-sessions-ended.dto.js';
import { SessionsService } from './sessions.service.js';

const bodyUserEmail = (req: Request): string | undefined => (req.body as { user_email?: unknown } | undefined)?.user_email?.toString();

@ApiTags('admin: sessions')
@AdminOnly()
@Controller('api/admin/sessions')
export class SessionsAdminController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: 'Live browser sessions, most recently active first' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad limit, cursor or q' })
  async listSessions(@Query() query: ListSessionsQueryDto): Promise<SessionListDto> {
    const page = await this.sessions.list(decodeCursor(query.cursor), query.limit ?? DEFAULT_PAGE_SIZE, searchOf(query.q, query.match));
    const now = Date.now();
    return {
      items: page.items.map((view) => SessionItemDto.from(view, now)),
      next_cursor: encodeCursor(page.next),
      total: page.total,
    };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Session totals: live sessions, unique users, sessions per user' })
  async sessionStats(@Query() query: SessionStatsQueryDto): Promise<SessionStatsDto> {
    const stats = await this.sessions.stats();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return {
      total: stats.total,
      unique_users: stats.uniqueUsers,
      per_user: stats.perUser.slice(0, limit).map((u) => ({ email: u.email, session_count: u.sessionCount })),
      per_user_truncated: stats.perUser.length > limit,
    };
  }

  @Delete(':session_id')
  @Audited('session.delete', (req) => req.params.session_id as string | undefined)
  @ApiOperation({ summary: 'Force logout: ends one session; its cookie is refused from the next request on' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a session id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No live session with this id' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: "The super admin's session, or an admin's when the caller is not the super admin",
  })
  async deleteSession(@Param() params: SessionIdParamDto, @CurrentUser() user: AuthenticatedUser): Promise<SessionEndedDto> {
    const ended = await this.sessions.endById(params.session_id, user.email);
    if (ended === null) throw new NotFoundError('session not found');
    return { session_id: ended.sessionId, email: ended.email, ended: true };
  }

  @Post('logout-user')
  @HttpCode(200)
  @Audited('session.logout_user', bodyUserEmail)
  @ApiOperation({
    summary: 'Force logout everywhere: ends every browser session of a user (no ban: they may sign in again; tokens are not touched)',
  })
  @ApiOkResponse({ type: UserSessionsEndedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: "The super admin's sessions, or an admin's when the caller is not the super admin",
  })
  async logoutUser(@Body() body: LogoutUserDto, @CurrentUser() user: AuthenticatedUser): Promise<UserSessionsEndedDto> {
    const email = canonicalEmail(body.user_email);
    if (email === null) throw new InvalidInputError('user_email must be a plain email address');
    return { user_email: email, sessions_ended: await this.sessions.endAllForUser(email, user.email) };
  }
}
