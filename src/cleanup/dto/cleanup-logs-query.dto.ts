import { PickType } from '@nestjs/swagger';
import { ListQueryDto } from '../../common/list-query.dto.js';

/** `?cursor=&limit=` over past runs, newest first. */
export class CleanupLogsQueryDto extends PickType(ListQueryDto, ['cursor', 'limit'] as const) {}
