/**
 * Cleanup's rules: a preview says what is stale and what removing it would free; an execute
 * removes exactly what is stale when it runs (entries refreshed meanwhile are kept), under a lock
 * so two runs never overlap, measures the memory freed and keeps a log of the run.
 */
import { randomBytes } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { SlackNotifier } from '../alerts/slack-notifier.service.js';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../common/domain-errors.js';
import type { ListPosition } from '../common/list-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CATEGORIES, CATEGORY_DESCRIPTIONS, type CategoryResult, type CleanupItem } from './cleanup-plan.js';
import { type CleanupJob, type CleanupJobPhase, type CleanupJobState, jobToHash } from './cleanup-job.js';
import type { CleanupItemView, CleanupReport, CleanupRun, CleanupRunSummary, CleanupTrigger } from './cleanup-run.js';
import { CleanupRepository, type KeyMeasure } from './cleanup.repository.js';
import { type EndedEntriesOwner, EndedEntriesRegistry } from '../redis/ended-entries.js';
import { CLEANUP_RUN_ID } from '../common/ids.js';

/** The lock outlives a stalled process by at most this long; a live run renews it before every batch. */
export const LOCK_TTL_MS = 60_000;
/** A tick's claim outlives the disagreement between replicas' clocks and timers (keep them in sync with NTP). */
export const TICK_CLAIM_TTL_MS = 5 * 60_000;
/** Items kept in a run's log. */
export const MAX_LOGGED_ITEMS = 10_000;
/** A running job's counts are written at most this often. */
const PROGRESS_INTERVAL_MS = 250;

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
export class CleanupService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CleanupService.name);
  /** Runs of this process still going. */
  private readonly inFlight = new Set<Promise<CleanupRun>>();
  private stopping = false;
  /** Which owner found each item (it removes it). */
  private readonly ownerOf = new WeakMap<CleanupItem, EndedEntriesOwner>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: CleanupRepository,
    private readonly alerts: SlackNotifier,
    private readonly owners: EndedEntriesRegistry,
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
   * Starts removing what is stale now, as a job: answers once the lock is taken and the job is
   * recorded, and runs on in the background (closing the page that started it does not stop it).
   * Refused with 409 `cleanup_running` while another run holds the lock.
   */
  async start(actor: string, trigger: CleanupTrigger): Promise<CleanupJob> {
    const { job, done } = await this.begin(actor, trigger);
    // The outcome is in the job's progress and the run's log; a failure is logged by the run itself.
    done.catch(() => undefined);
    return job;
  }

  /**
   * Removes what is stale now and answers when done (scheduled runs, the CLI); 409 while another
   * run holds the lock. `scheduledFor` is the CLEANUP_CRON tick of a scheduled run.
   */
  async execute(actor: string, trigger: CleanupTrigger, scheduledFor: number | null = null): Promise<CleanupRun> {
    return (await this.begin(actor, trigger, scheduledFor)).done;
  }

  /** A job's progress by id; 404 once it is older than an hour. */
  async job(jobId: string): Promise<CleanupJob> {
    const job = CLEANUP_RUN_ID.test(jobId) ? await this.repository.findJob(jobId) : null;
    if (job === null) throw new NotFoundError('no cleanup job with this id (progress is kept for an hour after a run ends; see the logs)');
    return job;
  }

  /** The running job, or the latest one within the hour after it ended; null when there is none. */
  async currentJob(): Promise<CleanupJob | null> {
    const id = await this.repository.currentJobId();
    return id === null ? null : this.repository.findJob(id);
  }

  /** Ends a run in progress early (its log says so) when the gateway shuts down, and waits for it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async begin(
    actor: string,
    trigger: CleanupTrigger,
    scheduledFor: number | null = null,
  ): Promise<{ job: CleanupJob; done: Promise<CleanupRun> }> {
    const lock = await this.repository.acquireLock(LOCK_TTL_MS);
    if (lock === null) throw new ConflictError('another cleanup is running; try again when it has finished', 'cleanup_running');
    const startedAt = Date.now();
    const job: CleanupJob = {
      jobId: `${startedAt}-${randomBytes(4).toString('hex')}`,
      trigger,
      actor,
      state: 'running',
      phase: 'starting',
      startedAt,
      updatedAt: startedAt,
      finishedAt: null,
      scanned: 0,
      found: 0,
      deleted: 0,
      freedBytes: 0,
      error: null,
    };
    try {
      await this.repository.saveJob(job.jobId, jobToHash(job), true);
    } catch (err) {
      await this.repository.releaseLock(lock);
      throw err;
    }
    const done = this.carryOut(lock, job, scheduledFor);
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done)).catch(() => undefined);
    return { job, done };
  }

  /** The run itself, under the lock taken by begin(); progress is written as it goes. */
  private async carryOut(lock: string, job: CleanupJob, scheduledFor: number | null): Promise<CleanupRun> {
    const { jobId: runId, startedAt, actor, trigger } = job;
    const progress = new JobProgress(this.repository, runId, () => {
      if (this.stopping) throw new Error('the gateway is shutting down');
    });
    let items: CleanupItem[] = [];
    const removed: boolean[] = [];
    let before = new Map<string, KeyMeasure>();
    let error: string | null = null;
    try {
      await progress.phase('scanning');
      items = await this.findStale(startedAt, (n) => progress.scanned(n));
      await progress.phase('measuring', { found: total(items) });
      before = await this.repository.measure(items);
      const estimated = itemShares(items, removalsByKey(items), (key) =>
        estimateFreed(removalsByKey(items).get(key) ?? 0, before.get(key)),
      );
      await progress.phase('removing');
      await this.remove(items, removed, async () => {
        await progress.removing(items, removed, estimated);
        if (!(await this.repository.renewLock(lock, LOCK_TTL_MS))) throw new Error('the cleanup lock was lost');
      });
    } catch (err) {
      error = (err as Error).message;
      this.logger.error(`Cleanup run ${runId} stopped: ${error}`);
    }
    try {
      await progress.phase('logging').catch(() => undefined);
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
      await progress.end(error === null ? 'finished' : 'failed', {
        found: run.found,
        deleted: run.deleted,
        freedBytes: run.freedBytes,
        finishedAt,
        error,
      });
      this.alerts.cleanupFinished(run);
      if (error !== null) throw new CleanupStoppedError(run);
      return run;
    } catch (err) {
      if (!(err instanceof ServiceUnavailableError)) {
        await progress.end('failed', { finishedAt: Date.now(), error: error ?? (err as Error).message }).catch(() => undefined);
      }
      throw err;
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
    const run = CLEANUP_RUN_ID.test(runId) ? await this.repository.findRun(runId) : null;
    if (run === null) throw new NotFoundError('no cleanup run with this id (logs are kept CLEANUP_LOG_RETENTION_DAYS)');
    return run;
  }

  /**
   * Everything stale now, from every owner of keys: first what has ended (a score range), then, as
   * a separate pass, orphans (records deleted by hand). Owners search side by side. Read-only.
   */
  private async findStale(nowMs: number, onScanned: (n: number) => void = () => undefined): Promise<CleanupItem[]> {
    const found = await Promise.all(
      this.owners.owners().map(async (owner) => {
        const ended = await owner.findEnded(nowMs, onScanned);
        const orphans = await owner.findOrphans(nowMs, ended, onScanned);
        const items = [...ended, ...orphans];
        for (const item of items) this.ownerOf.set(item, owner);
        return items;
      }),
    );
    const order = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));
    return found.flat().sort((a, b) => (order.get(a.category) ?? CATEGORIES.length) - (order.get(b.category) ?? CATEGORIES.length));
  }

  /** Has each owner remove its items; marks in `removed`, per item, whether anything was removed, as it goes. */
  private async remove(items: readonly CleanupItem[], removed: boolean[], beforeBatch: () => Promise<void>): Promise<void> {
    const byOwner = new Map<EndedEntriesOwner, number[]>();
    items.forEach((item, i) => {
      const owner = this.ownerOf.get(item);
      if (owner === undefined) throw new Error(`no owner found ${item.key}`);
      const list = byOwner.get(owner) ?? [];
      list.push(i);
      byOwner.set(owner, list);
    });
    for (const [owner, indexes] of byOwner) {
      await owner.removeEnded(
        indexes.map((i) => items[i]),
        (k) => {
          removed[indexes[k]] = true;
        },
        beforeBatch,
      );
    }
  }
}

/** Writes a job's progress: phase changes at once, counts at most every PROGRESS_INTERVAL_MS. */
class JobProgress {
  private counts = { scanned: 0, found: 0, deleted: 0, freedBytes: 0 };
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: CleanupRepository,
    private readonly jobId: string,
    private readonly checkpoint: () => void,
  ) {}

  async phase(phase: CleanupJobPhase, counts: Partial<JobProgress['counts']> = {}): Promise<void> {
    this.checkpoint();
    Object.assign(this.counts, counts);
    await this.write({ phase });
  }

  /** Entries examined while scanning; written now and then, never waited for (the scan goes on). */
  scanned(n: number): void {
    this.checkpoint();
    this.counts.scanned += n;
    if (Date.now() - this.lastWrite >= PROGRESS_INTERVAL_MS) void this.write({}).catch(() => undefined);
  }

  /** Before each batch of removals: what the batches so far removed, and their estimated memory. */
  async removing(items: readonly CleanupItem[], removed: readonly boolean[], estimated: readonly number[]): Promise<void> {
    this.checkpoint();
    if (Date.now() - this.lastWrite < PROGRESS_INTERVAL_MS) return;
    let deleted = 0;
    let freed = 0;
    items.forEach((item, i) => {
      if (removed[i] !== true) return;
      deleted += item.count;
      freed += estimated[i];
    });
    this.counts.deleted = deleted;
    this.counts.freedBytes = Math.round(freed);
    await this.write({});
  }

  async end(state: CleanupJobState, fields: Partial<CleanupJob>): Promise<void> {
    Object.assign(this.counts, {
      found: fields.found ?? this.counts.found,
      deleted: fields.deleted ?? this.counts.deleted,
      freedBytes: fields.freedBytes ?? this.counts.freedBytes,
    });
    await this.write({ ...fields, state, phase: 'done' });
  }

  private write(fields: Partial<CleanupJob>): Promise<void> {
    this.lastWrite = Date.now();
    const snapshot = jobToHash({ ...this.counts, ...fields, updatedAt: this.lastWrite });
    // Writes go out in order, so a late count never overwrites a later phase.
    this.writing = this.writing.catch(() => undefined).then(() => this.repository.saveJob(this.jobId, snapshot));
    return this.writing;
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
  const counts = new Map<string, { count: number; bytes: number }>();
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
