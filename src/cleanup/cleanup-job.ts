/**
 * A cleanup execute as it runs: its progress, readable by any gateway instance (kept in Redis while
 * it runs and for an hour after), so a page can show it live and find it again after a reload.
 */

export type CleanupJobState = 'running' | 'finished' | 'failed';

/** starting → scanning (finding stale entries) → measuring → removing → logging → done. */
export type CleanupJobPhase = 'starting' | 'scanning' | 'measuring' | 'removing' | 'logging' | 'done';

export interface CleanupJob {
  /** The run's id: its log is at /api/admin/redis/cleanup/logs/{jobId} once it has ended. */
  readonly jobId: string;
  readonly trigger: 'manual' | 'scheduled';
  readonly actor: string;
  readonly state: CleanupJobState;
  readonly phase: CleanupJobPhase;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  /** Index entries and records examined so far. */
  readonly scanned: number;
  /** Stale entries found (known once scanning is done). */
  readonly found: number;
  /** Entries removed so far. */
  readonly deleted: number;
  /** Memory freed so far: estimated while removing, measured once done. */
  readonly freedBytes: number;
  readonly error: string | null;
}

/** How long a job's progress is kept after its last update. */
export const JOB_KEEP_MS = 3600_000;

/** A job as stored (a Redis hash of strings), or null when the hash is not one. */
export function jobFromHash(fields: Record<string, string>): CleanupJob | null {
  if (!fields.job_id || !fields.state) return null;
  const n = (v: string | undefined): number => (v === undefined || v === '' ? 0 : Number(v));
  return {
    jobId: fields.job_id,
    trigger: fields.trigger === 'scheduled' ? 'scheduled' : 'manual',
    actor: fields.actor ?? '',
    state: fields.state as CleanupJobState,
    phase: fields.phase as CleanupJobPhase,
    startedAt: n(fields.started_at),
    updatedAt: n(fields.updated_at),
    finishedAt: fields.finished_at ? Number(fields.finished_at) : null,
    scanned: n(fields.scanned),
    found: n(fields.found),
    deleted: n(fields.deleted),
    freedBytes: n(fields.freed_bytes),
    error: fields.error ? fields.error : null,
  };
}

/** The stored fields of (part of) a job. */
export function jobToHash(job: Partial<CleanupJob>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (field: string, value: string | number | null | undefined): void => {
    if (value !== undefined) out[field] = value === null ? '' : String(value);
  };
  put('job_id', job.jobId);
  put('trigger', job.trigger);
  put('actor', job.actor);
  put('state', job.state);
  put('phase', job.phase);
  put('started_at', job.startedAt);
  put('updated_at', job.updatedAt);
  put('finished_at', job.finishedAt);
  put('scanned', job.scanned);
  put('found', job.found);
  put('deleted', job.deleted);
  put('freed_bytes', job.freedBytes);
  put('error', job.error);
  return out;
}
