import { CleanupRunSummaryDto } from './cleanup-run-summary.dto.js';

export class CleanupLogListDto {
  /** Newest first; GET /api/admin/redis/cleanup/logs/{run_id} gives a run's removed items. */
  items: CleanupRunSummaryDto[];
  /** Pass as `cursor` for the next page; null at the end. */
  next_cursor: string | null;
  /** Runs kept. @example 4 */
  total: number;
  /** CLEANUP_LOG_RETENTION_DAYS. @example 30 */
  retention_days: number;
}
