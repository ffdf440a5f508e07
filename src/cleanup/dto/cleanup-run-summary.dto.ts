import type { CleanupRunSummary } from '../cleanup-run.js';
import { CleanupCategoryDto } from './cleanup-category.dto.js';

export class CleanupRunSummaryDto {
  /** @example "1764575000000-1a2b3c4d" */
  run_id: string;
  /** manual (POST /api/admin/redis/cleanup or the CLI) or scheduled (CLEANUP_CRON). */
  trigger: 'manual' | 'scheduled';
  /** The CLEANUP_CRON tick a scheduled run ran for (ISO 8601); null for manual runs. */
  scheduled_for: string | null;
  /** Who ran it: an admin's email, or "scheduler". @example "admin@example.com" */
  actor: string;
  started_at: string;
  finished_at: string;
  /** @example 120 */
  duration_ms: number;
  /** Stale entries found when the run started. @example 12 */
  found: number;
  /** Entries removed (an entry refreshed meanwhile is kept). @example 12 */
  deleted: number;
  /** Memory freed, measured with MEMORY USAGE before and after on every key touched. @example 2048 */
  freed_bytes: number;
  categories: CleanupCategoryDto[];
  /** Set when the run stopped early. */
  error: string | null;

  static from(r: CleanupRunSummary): CleanupRunSummaryDto {
    return {
      run_id: r.runId,
      trigger: r.trigger,
      // Logs written before scheduled_for existed have no such field.
      scheduled_for: (r.scheduledFor ?? null) === null ? null : new Date(r.scheduledFor!).toISOString(),
      actor: r.actor,
      started_at: new Date(r.startedAt).toISOString(),
      finished_at: new Date(r.finishedAt).toISOString(),
      duration_ms: r.durationMs,
      found: r.found,
      deleted: r.deleted,
      freed_bytes: r.freedBytes,
      categories: r.categories.map((c) => CleanupCategoryDto.from(c)),
      error: r.error,
    };
  }
}
