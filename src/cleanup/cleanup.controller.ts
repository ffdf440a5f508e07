import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited } from '../common/audited.decorator.js';
import { AdminOnly, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { CleanupService } from './cleanup.service.js';
import { CleanupJobIdParamDto } from './dto/cleanup-job-id-param.dto.js';
import { CleanupJobDto, CurrentCleanupJobDto } from './dto/cleanup-job.dto.js';
import { CleanupLogListDto } from './dto/cleanup-log-list.dto.js';
import { CleanupLogsQueryDto } from './dto/cleanup-logs-query.dto.js';
import { CleanupPreviewQueryDto } from './dto/cleanup-preview-query.dto.js';
import { CleanupPreviewDto } from './dto/cleanup-preview.dto.js';
import { CleanupRunIdParamDto } from './dto/cleanup-run-id-param.dto.js';
import { CleanupRunSummaryDto } from './dto/cleanup-run-summary.dto.js';
import { CleanupRunDto } from './dto/cleanup-run.dto.js';

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
  @HttpCode(202)
  @Audited('cleanup.execute')
  @ApiOperation({
    summary: 'Start removing what is stale now, as a job; answers at once with the job, whose progress GET /jobs/{job_id} shows',
    description:
      'The job runs on in the gateway whatever happens to the page that started it; when it ends, its run is in the logs under the same id. Only one cleanup runs at a time (any gateway instance): a second start answers 409 cleanup_running.',
  })
  @ApiAcceptedResponse({ type: CleanupJobDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Another cleanup is running (GET /jobs/current shows it)' })
  async executeCleanup(@CurrentUser() user: AuthenticatedUser): Promise<CleanupJobDto> {
    return CleanupJobDto.from(await this.cleanup.start(user.email, 'manual'));
  }

  @Get('jobs/current')
  @ApiOperation({ summary: 'The running cleanup job, or the latest one within an hour after it ended (job: null when none)' })
  @ApiOkResponse({ type: CurrentCleanupJobDto })
  async currentCleanupJob(): Promise<CurrentCleanupJobDto> {
    const job = await this.cleanup.currentJob();
    return { job: job === null ? null : CleanupJobDto.from(job) };
  }

  @Get('jobs/:job_id')
  @ApiOperation({ summary: "A cleanup job's progress: phase, entries scanned, found, deleted, memory freed" })
  @ApiOkResponse({ type: CleanupJobDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job, or it ended more than an hour ago (see the logs)' })
  async getCleanupJob(@Param() params: CleanupJobIdParamDto): Promise<CleanupJobDto> {
    return CleanupJobDto.from(await this.cleanup.job(params.job_id));
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
