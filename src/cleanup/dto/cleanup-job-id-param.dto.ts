import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { CLEANUP_RUN_ID } from '../../common/ids.js';

export class CleanupJobIdParamDto {
  /** The `job_id` POST /api/admin/redis/cleanup answered. @example "1764575000000-1a2b3c4d" */
  @ApiProperty({ pattern: CLEANUP_RUN_ID.source })
  @Matches(CLEANUP_RUN_ID, { message: 'job_id is not a cleanup job id' })
  job_id: string;
}
