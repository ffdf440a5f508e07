import type { CleanupJob } from '../cleanup-job.js';

/** A cleanup execute as it runs (poll it about once a second while `state` is `running`). */
export class CleanupJobDto {
  /** The job's id, which is also its run's id in the logs. @example "1764575000000-1a2b3c4d" */
  job_id: string;
  /** The run's log: GET /api/admin/redis/cleanup/logs/{run_id} once the job has ended. @example "1764575000000-1a2b3c4d" */
  run_id: string;
  /** manual (POST /api/admin/redis/cleanup) or scheduled (CLEANUP_INTERVAL_MINUTES). */
  trigger: 'manual' | 'scheduled';
  /** Who started it: an admin's email, or "scheduler". */
  actor: string;
  /** running, finished, or failed (stopped early: its log says what was removed). */
  state: 'running' | 'finished' | 'failed';
  /** starting, scanning (finding stale entries), measuring, removing, logging, done. */
  phase: 'starting' | 'scanning' | 'measuring' | 'removing' | 'logging' | 'done';
  started_at: string;
  /** When the progress was last written. */
  updated_at: string;
  finished_at: string | null;
  /** Index entries and records examined so far. @example 120000 */
  scanned: number;
  /** Stale entries found (known once scanning is done). @example 15 */
  found: number;
  /** Entries removed so far. @example 9 */
  deleted: number;
  /** Memory freed so far: estimated while removing, measured with MEMORY USAGE once done. @example 1536 */
  freed_bytes: number;
  /** Why it stopped early, when it did. */
  error: string | null;

  static from(job: CleanupJob): CleanupJobDto {
    return {
      job_id: job.jobId,
      run_id: job.jobId,
      trigger: job.trigger,
      actor: job.actor,
      state: job.state,
      phase: job.phase,
      started_at: new Date(job.startedAt).toISOString(),
      updated_at: new Date(job.updatedAt).toISOString(),
      finished_at: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
      scanned: job.scanned,
      found: job.found,
      deleted: job.deleted,
      freed_bytes: job.freedBytes,
      error: job.error,
    };
  }
}

/** The running cleanup job, or the latest within an hour after it ended; null when none ran. */
export class CurrentCleanupJobDto {
  job: CleanupJobDto | null;
}
