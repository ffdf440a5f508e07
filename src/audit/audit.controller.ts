import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth-metadata.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { decodeCursor, encodeCursor, searchNeedle } from '../common/list-cursor.js';
import { DEFAULT_PAGE_SIZE } from '../common/list-query.dto.js';
import { AuditService } from './audit.service.js';
import { AuditEntryDto } from './dto/audit-entry.dto.js';
import { AuditListDto } from './dto/audit-list.dto.js';
import { ListAuditQueryDto } from './dto/list-audit-query.dto.js';

@ApiTags('admin: audit')
@AdminOnly()
@Controller('api/admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail of admin actions, newest first, with filters' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad filter, limit or cursor' })
  async listAudit(@Query() query: ListAuditQueryDto): Promise<AuditListDto> {
    const after = decodeCursor(query.cursor);
    const result = await this.audit.list(
      {
        actor: query.actor?.trim().toLowerCase(),
        action: query.action,
        target: query.target,
        outcome: query.outcome,
        needle: searchNeedle(query.q),
        sinceMs: query.since === undefined ? undefined : Date.parse(query.since),
        untilMs: query.until === undefined ? undefined : Date.parse(query.until),
      },
      after?.member ?? null,
      query.limit ?? DEFAULT_PAGE_SIZE,
    );
    const last = result.nextBeforeId;
    return {
      items: result.items.map((e) => AuditEntryDto.from(e)),
      next_cursor: last === null ? null : encodeCursor({ score: Number(last.split('-')[0]), member: last }),
      total: result.total,
      retention_days: this.audit.retentionDays,
    };
  }
}
