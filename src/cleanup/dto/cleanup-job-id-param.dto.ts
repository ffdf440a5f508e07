import { Matches } from 'class-validator';

export class CleanupJobIdParamDto {
  /** The `job_id` POST /api/admin/redis/cleanup answered. @example "1764575000000-1a2b3c4d" */
  @Matches(/^\d{13}-[0-9a-f]{8}$/, { message: 'job_id is not a cleanup job id' })
  job_id: string;
}
