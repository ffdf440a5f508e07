import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../common/audited.decorator.js';
import { AdminOnly, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { CleanupService } from './cleanup.service.js';
import { CleanupLogListDto } from './dto/cleanup-log-list.dto.js';
import { CleanupLogsQueryDto } from './dto/cleanup-logs-query.dto.js';
import { CleanupPreviewQueryDto } from './dto/cleanup-preview-query.dto.js';
import { CleanupPreviewDto } from './dto/cleanup-preview.dto.js';
import { CleanupRunIdParamDto } from './dto/cleanup-run-id-param.dto.js';
import { CleanupRunSummaryDto } from './dto/cleanup-run-summary.dto.js';
import { CleanupRunDto } from './dto/cleanup-run.dto.js';

/** Items listed in an execute's answer; the run's log keeps up to 10,000. */
const ANSWER_ITEMS = 1000;

@ApiTags('admin: redis cleanup')
@AdminOnly()
@Controller('api/admin/redis/cleanup')
export class CleanupController {
  constructor(private readonly cleanup: CleanupService) {}

  @Get('preview')
  @ApiOperation({ summary: 'What is stale now, with counts, details and the memory removing it would free. Changes nothing.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad limit' })
  async previewCleanup(@Query() query: CleanupPreviewQueryDto): Promise<CleanupPreviewDto> {
    return CleanupPreviewDto.from(await this.cleanup.preview(query.limit ?? 100));
  }

  @Post()
  @HttpCode(200)
  @Audited('cleanup.execute')
  @ApiOperation({ summary: 'Remove what is stale now, in batches; answers counts, memory freed, duration and the removed items' })
  @ApiOkResponse({ type: CleanupRunDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Another cleanup is running' })
  async executeCleanup(@CurrentUser() user: AuthenticatedUser): Promise<CleanupRunDto> {
    return CleanupRunDto.fromRun(await this.cleanup.execute(user.email, 'manual'), ANSWER_ITEMS);
  }

  @Get('logs')
  @ApiOperation({ summary: 'Past cleanup runs (manual and scheduled), newest first' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad limit or cursor' })
  async listCleanupLogs(@Query() query: CleanupLogsQueryDto): Promise<CleanupLogListDto> {
    const page = await this.cleanup.runs(decodeCursor(query.cursor), query.limit ?? DEFAULT_PAGE_SIZE);
    return {
      items: page.items.map((r) => CleanupRunSummaryDto.from(r)),
      next_cursor: encodeCursor(page.next),
      total: page.total,
      retention_days: Math.round(this.cleanup.logRetentionMs / 86400_000),
    };
  }

  @Get('logs/:run_id')
  @ApiOperation({ summary: "One run's log with the items it removed" })
  @ApiOkResponse({ type: CleanupRunDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such run, or its log has expired' })
  async getCleanupLog(@Param() params: CleanupRunIdParamDto): Promise<CleanupRunDto> {
    return CleanupRunDto.fromRun(await this.cleanup.run(params.run_id), Number.MAX_SAFE_INTEGER);
  }
}
