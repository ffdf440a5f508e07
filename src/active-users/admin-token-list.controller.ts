/**
 * GET /api/admin/tokens: every token with its state. It lives here, above tokens, because a
 * token's listed state depends on its owner's ban (a banned person's live tokens are `blocked`).
 */
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth-metadata.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor, searchOf } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { AdminListTokensQueryDto } from '../tokens/dto/admin-list-tokens-query.dto.js';
import { AdminTokenListDto } from '../tokens/dto/admin-token-list.dto.js';
import { AdminTokenDto } from '../tokens/dto/admin-token.dto.js';
import { TokenCatalogService } from '../tokens/token-catalog.service.js';
import { UserDirectoryService } from './user-directory.service.js';

@ApiTags('admin: tokens')
@AdminOnly()
@Controller('api/admin/tokens')
export class AdminTokenListController {
  constructor(
    private readonly catalog: TokenCatalogService,
    private readonly directory: UserDirectoryService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every token (active, blocked by a ban, expired, revoked), newest first, with counts by state' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad filter, limit or cursor' })
  async listTokens(@Query() query: AdminListTokensQueryDto): Promise<AdminTokenListDto> {
    const page = await this.catalog.list({
      email: query.email,
      status: query.status,
      search: searchOf(query.q, query.match),
      after: decodeCursor(query.cursor),
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      banned: await this.directory.bannedEmails(),
    });
    return { items: page.items.map((t) => AdminTokenDto.from(t)), next_cursor: encodeCursor(page.next), ...page.summary };
  }
}
