/**
 * Cleanup's rules: a preview says what is stale and what removing it would free; an execute
 * removes exactly what is stale when it runs (entries refreshed meanwhile are kept), under a lock
 * so two runs never overlap, measures the memory freed and keeps a log of the run.
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SlackNotifier } from '../alerts/slack-notifier.service.js';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../common/domain-errors.js';
import type { ListPosition } from '../common/list-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CATEGORIES, CATEGORY_DESCRIPTIONS, type CategoryResult, type CleanupCategory, type CleanupItem } from './cleanup-plan.js';
import type { CleanupItemView, CleanupReport, CleanupRun, CleanupRunSummary, CleanupTrigger } from './cleanup-run.js';
import { CleanupRepository, type KeyMeasure } from './cleanup.repository.js';

/** The lock outlives a stalled process by at most this long; a live run renews it before every batch. */
export const LOCK_TTL_MS = 60_000;
/** A tick's claim outlives the disagreement between replicas' clocks and timers (keep them in sync with NTP). */
export const TICK_CLAIM_TTL_MS = 5 * 60_000;
/** Items kept in a run's log. */
export const MAX_LOGGED_ITEMS = 10_000;

/** A run that stopped early: its log is saved (and alerted) with what it removed before it stopped. */
export class CleanupStoppedError extends ServiceUnavailableError {
  constructor(readonly run: CleanupRun) {
    super(`cleanup run ${run.runId} stopped early; its log says what was removed`);
  }
}

export interface RunPage {
  readonly items: CleanupRunSummary[];
  readonly next: ListPosition | null;
  readonly total: number;
}

@Injectable()
export class CleanupService {
  private readonly logger = new Logger(CleanupService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: CleanupRepository,
    private readonly alerts: SlackNotifier,
  ) {}

  get logRetentionMs(): number {
    return this.config.cleanup.logRetentionDays * 86400 * 1000;
  }

  /** What an execute would remove now, with the memory it would free. Changes nothing. */
  async preview(itemLimit: number): Promise<CleanupReport> {
    const started = Date.now();
    const items = await this.findStale(started);
    const measures = await this.repository.measure(items);
    const removals = removalsByKey(items);
    const shares = itemShares(items, removals, (key) => estimateFreed(removals.get(key) ?? 0, measures.get(key)));
    const categories = summarise(items, shares);
    return {
      generatedAt: started,
      durationMs: Date.now() - started,
      found: total(items),
      bytes: categories.reduce((sum, c) => sum + c.bytes, 0),
      categories,
      items: items.slice(0, itemLimit).map(view),
      itemsTruncated: items.length > itemLimit,
    };
  }

  /**
   * Removes what is stale now; refused with 409 while another run holds the lock. `scheduledFor`
   * is the CLEANUP_CRON tick of a scheduled run.
   */
  async execute(actor: string, trigger: CleanupTrigger, scheduledFor: number | null = null): Promise<CleanupRun> {
    const lock = await this.repository.acquireLock(LOCK_TTL_MS);
    if (lock === null) throw new ConflictError('another cleanup is running; try again when it has finished', 'cleanup_running');
    const startedAt = Date.now();
    const runId = `${startedAt}-${randomBytes(4).toString('hex')}`;
    let items: CleanupItem[] = [];
    const removed: boolean[] = [];
    let before = new Map<string, KeyMeasure>();
    let error: string | null = null;
    try {
      items = await this.findStale(startedAt);
      before = await this.repository.measure(items);
      await this.repository.apply(items, removed, async () => {
        if (!(await this.repository.renewLock(lock, LOCK_TTL_MS))) throw new Error('the cleanup lock was lost');
      });
    } catch (err) {
      error = (err as Error).message;
      this.logger.error(`Cleanup run ${runId} stopped: ${error}`);
    }
    try {
      const after = await this.repository.measure(items);
      const deletedItems = items.filter((_, i) => removed[i] === true);
      const freedByKey = (key: string): number => Math.max(0, (before.get(key)?.bytes ?? 0) - (after.get(key)?.bytes ?? 0));
      const shares = itemShares(deletedItems, removalsByKey(deletedItems), freedByKey);
      const categories = summarise(deletedItems, shares);
      const finishedAt = Date.now();
      const run: CleanupRun = {
        runId,
        trigger,
        scheduledFor,
        actor,
        startedAt,
        finishedAt,
        durationMs: finishedAt - startedAt,
        found: total(items),
        deleted: total(deletedItems),
        freedBytes: categories.reduce((sum, c) => sum + c.bytes, 0),
        categories,
        items: deletedItems.slice(0, MAX_LOGGED_ITEMS).map(view),
        itemsTruncated: deletedItems.length > MAX_LOGGED_ITEMS,
        error,
      };
      await this.repository.saveRun(run, this.logRetentionMs, finishedAt);
      this.alerts.cleanupFinished(run);
      if (error !== null) throw new CleanupStoppedError(run);
      return run;
    } finally {
      await this.repository.releaseLock(lock);
    }
  }

  /** Claims one CLEANUP_CRON tick for this instance: true for exactly one of the instances that ask. */
  claimScheduledTick(tickMs: number, owner: string): Promise<boolean> {
    return this.repository.claimTick(tickMs, owner, TICK_CLAIM_TTL_MS);
  }

  async runs(after: ListPosition | null, limit: number): Promise<RunPage> {
    const [page, count] = await Promise.all([this.repository.pageRuns(after, limit), this.repository.countRuns()]);
    return { items: page.items, next: page.next, total: count };
  }

  async run(runId: string): Promise<CleanupRun> {
    const run = /^\d{13}-[0-9a-f]{8}$/.test(runId) ? await this.repository.findRun(runId) : null;
    if (run === null) throw new NotFoundError('no cleanup run with this id (logs are kept CLEANUP_LOG_RETENTION_DAYS)');
    return run;
  }

  private findStale(nowMs: number): Promise<CleanupItem[]> {
    return this.repository.findStale(nowMs, nowMs - this.config.audit.retentionDays * 86400 * 1000);
  }
}

function view(item: CleanupItem): CleanupItemView {
  return { category: item.category, key: item.key, member: item.member, reason: item.reason, count: item.count };
}

function total(items: readonly CleanupItem[]): number {
  return items.reduce((sum, i) => sum + i.count, 0);
}

function opCount(op: CleanupItem['ops'][number]): number {
  return op.type === 'xtrim' ? op.count : 1;
}

/** Entries removed from each key by these items. */
function removalsByKey(items: readonly CleanupItem[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) for (const op of item.ops) out.set(op.key, (out.get(op.key) ?? 0) + opCount(op));
  return out;
}

/**
 * What removing `removing` entries from a key frees, from its MEMORY USAGE: all of it when every
 * entry goes (the key disappears), otherwise the removed entries' share of it.
 */
function estimateFreed(removing: number, measure: KeyMeasure | undefined): number {
  if (measure === undefined || measure.bytes === 0) return 0;
  if (measure.size === 0 || removing >= measure.size) return measure.bytes;
  return Math.round((measure.bytes * removing) / measure.size);
}

/** Splits each key's freed bytes among the items that removed entries from it. */
function itemShares(items: readonly CleanupItem[], removals: ReadonlyMap<string, number>, freedOfKey: (key: string) => number): number[] {
  const freed = new Map<string, number>();
  for (const key of removals.keys()) freed.set(key, freedOfKey(key));
  return items.map((item) => item.ops.reduce((sum, op) => sum + ((freed.get(op.key) ?? 0) * opCount(op)) / (removals.get(op.key) ?? 1), 0));
}

function summarise(items: readonly CleanupItem[], shares: readonly number[]): CategoryResult[] {
  const counts = new Map<CleanupCategory, { count: number; bytes: number }>();
  items.forEach((item, i) => {
    const c = counts.get(item.category) ?? { count: 0, bytes: 0 };
    c.count += item.count;
    c.bytes += shares[i];
    counts.set(item.category, c);
  });
  return CATEGORIES.map((category) => ({
    category,
    description: CATEGORY_DESCRIPTIONS[category],
    count: counts.get(category)?.count ?? 0,
    bytes: Math.round(counts.get(category)?.bytes ?? 0),
  }));
}
