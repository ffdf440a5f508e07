import type { CategoryResult } from './cleanup-plan.js';

export type CleanupTrigger = 'manual' | 'scheduled';

/** An item as reports and logs show it (without its removal steps). */
export interface CleanupItemView {
  /** One of CATEGORIES (the owner that found it names it). */
  readonly category: string;
  readonly key: string;
  readonly member: string | null;
  readonly reason: string;
  readonly count: number;
}

/** One executed cleanup, as kept in its log for CLEANUP_LOG_RETENTION_DAYS; times are epoch ms. */
export interface CleanupRun {
  readonly runId: string;
  readonly trigger: CleanupTrigger;
  /** The CLEANUP_CRON tick a scheduled run ran for (epoch ms); null for manual runs. */
  readonly scheduledFor: number | null;
  /** Who ran it: an admin's email, or "scheduler". */
  readonly actor: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly durationMs: number;
  /** Stale entries found when the run started. */
  readonly found: number;
  /** Entries actually removed (an entry refreshed meanwhile is kept). */
  readonly deleted: number;
  /** Memory freed, measured with MEMORY USAGE before and after on every key touched. */
  readonly freedBytes: number;
  readonly categories: CategoryResult[];
  /** The removed items (the first MAX_LOGGED_ITEMS). */
  readonly items: CleanupItemView[];
  readonly itemsTruncated: boolean;
  /** Set when the run stopped early. */
  readonly error: string | null;
}

export type CleanupRunSummary = Omit<CleanupRun, 'items'>;

/** A preview: what an execute would remove now. */
export interface CleanupReport {
  readonly generatedAt: number;
  readonly durationMs: number;
  readonly found: number;
  /** Memory the removal would free, from MEMORY USAGE of each key (its share for partial removals). */
  readonly bytes: number;
  readonly categories: CategoryResult[];
  readonly items: CleanupItemView[];
  readonly itemsTruncated: boolean;
}
