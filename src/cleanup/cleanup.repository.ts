/**
 * Cleanup's own keys: the lock, the schedule's tick claims, jobs (live progress) and run logs; and
 * the memory measurement of keys a run touches. It owns the run-log index, so it cleans that like
 * every other owner; the other features' keys are cleaned by their owners (see redis/ended-entries.ts).
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type EndedEntriesOwner, EndedEntriesRegistry, type EndedEntry, type OnScanned, type RemovalOp } from '../redis/ended-entries.js';
import { IndexSweep, zremIfScore } from '../redis/index-sweep.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { redisBatch } from '../redis/redis-batch.js';
import { type SortedSetPage, type SortedSetPosition, walkSortedSet } from '../redis/sorted-set-walker.js';
import { type CleanupJob, JOB_KEEP_MS, jobFromHash } from './cleanup-job.js';
import type { CleanupRun, CleanupRunSummary } from './cleanup-run.js';

const LOG_INDEX = 'cleanup-log-index';
const LOG_EXPIRED = 'run log has expired';

/** Size and MEMORY USAGE of a key, as measured. */
export interface KeyMeasure {
  readonly bytes: number;
  readonly size: number;
}

@Injectable()
export class CleanupRepository implements EndedEntriesOwner {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly sweep: IndexSweep,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    registry: EndedEntriesRegistry,
  ) {
    registry.register(this);
  }

  // ---- the run-log index, cleaned like every owner's ----

  /** Run-index entries of runs started longer ago than CLEANUP_LOG_RETENTION_DAYS (their log has expired). */
  async findEnded(nowMs: number, onScanned: OnScanned): Promise<EndedEntry[]> {
    const out: EndedEntry[] = [];
    await this.sweep.rangeUpTo(this.keys.cleanupRuns(), nowMs - this.config.cleanup.logRetentionDays * 86400 * 1000, (entries) => {
      onScanned(entries.length);
      for (const e of entries) out.push(zremIfScore(LOG_INDEX, this.keys.cleanupRuns(), e, LOG_EXPIRED));
    });
    return out;
  }

  /** Run-index entries whose log is gone before its time. */
  async findOrphans(_nowMs: number, ended: readonly EndedEntry[], onScanned: OnScanned): Promise<EndedEntry[]> {
    const out: EndedEntry[] = [];
    const seen = new Set(ended.map((e) => e.member));
    await this.sweep.zscanAll(this.keys.cleanupRuns(), async (entries) => {
      onScanned(entries.length);
      const fresh = entries.filter((e) => !seen.has(e.member) && seen.add(e.member));
      for (const e of await this.sweep.absent(fresh, (x) => [this.keys.cleanupRun(x.member)]))
        out.push(zremIfScore(LOG_INDEX, this.keys.cleanupRuns(), e, LOG_EXPIRED));
    });
    return out;
  }

  removeEnded(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void> {
    return this.sweep.remove(entries, onRemoved, beforeBatch);
  }

  // ---- measuring ----

  /** MEMORY USAGE and size (members, fields or entries) of every key the entries touch. */
  async measure(entries: readonly EndedEntry[]): Promise<Map<string, KeyMeasure>> {
    const kinds = new Map<string, RemovalOp['type']>();
    for (const entry of entries) for (const op of entry.ops) kinds.set(op.key, op.type);
    const keys = [...kinds.keys()];
    const replies = await this.sweep.inBatches(
      keys,
      (p, key) => {
        p.call('MEMORY', 'USAGE', key);
        const type = kinds.get(key);
        if (type === 'hdel') p.hlen(key);
        else if (type === 'xtrim') p.xlen(key);
        else p.zcard(key);
      },
      () => 2,
    );
    const out = new Map<string, KeyMeasure>();
    keys.forEach((key, i) => {
      const [bytes, size] = replies[i] as [number | null, number];
      out.set(key, { bytes: bytes ?? 0, size });
    });
    return out;
  }

  // ---- the lock ----

  /** Takes the cleanup lock; the owner token, or null when another run holds it. */
  async acquireLock(ttlMs: number): Promise<string | null> {
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(this.keys.cleanupLock(), token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  /**
   * Claims one tick of the schedule for `owner`: true for the first instance to ask, false for
   * every other. The claim is kept for `ttlMs`, longer than replicas' clocks and timers disagree.
   */
  async claimTick(tickMs: number, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.cleanupTick(tickMs), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Extends the lock; false when it is no longer ours. */
  async renewLock(token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.gwOwnedLock(this.keys.cleanupLock(), token, 'renew', ttlMs)) === 1;
  }

  async releaseLock(token: string): Promise<void> {
    await this.redis.gwOwnedLock(this.keys.cleanupLock(), token, 'release', 0);
  }

  // ---- jobs (live progress) ----

  /** Writes (part of) a job's progress and keeps it JOB_KEEP_MS from now; `current` also makes it the latest job. */
  async saveJob(jobId: string, fields: Record<string, string>, current = false): Promise<void> {
    const key = this.keys.cleanupJob(jobId);
    const tx = redisBatch(this.redis).hset(key, fields).pexpire(key, JOB_KEEP_MS);
    if (current) tx.set(this.keys.cleanupCurrentJob(), jobId, 'PX', JOB_KEEP_MS);
    else tx.pexpire(this.keys.cleanupCurrentJob(), JOB_KEEP_MS);
    const results = await tx.exec();
    for (const [err] of results ?? []) if (err) throw err;
  }

  async findJob(jobId: string): Promise<CleanupJob | null> {
    return jobFromHash(await this.redis.hgetall(this.keys.cleanupJob(jobId)));
  }

  /** The latest job's id (running, or ended within JOB_KEEP_MS), or null. */
  currentJobId(): Promise<string | null> {
    return this.redis.get(this.keys.cleanupCurrentJob());
  }

  // ---- run logs ----

  /** Stores a run's log for the retention and indexes it; index entries past the retention go. */
  async saveRun(run: CleanupRun, retentionMs: number, nowMs: number): Promise<void> {
    const results = await redisBatch(this.redis)
      .set(this.keys.cleanupRun(run.runId), JSON.stringify(run), 'PX', retentionMs)
      .zadd(this.keys.cleanupRuns(), run.startedAt, run.runId)
      .zremrangebyscore(this.keys.cleanupRuns(), '-inf', nowMs - retentionMs)
      .exec();
    for (const [err] of results ?? []) if (err) throw err;
  }

  async findRun(runId: string): Promise<CleanupRun | null> {
    const raw = await this.redis.get(this.keys.cleanupRun(runId));
    return raw === null ? null : (JSON.parse(raw) as CleanupRun);
  }

  /** Summaries of some runs, in order; null where a log has expired. */
  async runSummaries(runIds: readonly string[]): Promise<Array<CleanupRunSummary | null>> {
    const raws = await this.sweep.inBatches(runIds, (p, id) => p.get(this.keys.cleanupRun(id)));
    return raws.map((raw) => {
      if (raw === null) return null;
      const { items: _items, ...summary } = JSON.parse(raw as string) as CleanupRun;
      return summary;
    });
  }

  /** Run summaries, newest first. */
  pageRuns(after: SortedSetPosition | null, limit: number): Promise<SortedSetPage<CleanupRunSummary>> {
    return walkSortedSet(this.redis, {
      key: this.keys.cleanupRuns(),
      order: 'desc',
      after,
      limit,
      load: (entries) => this.runSummaries(entries.map((e) => e.member)),
    });
  }

  countRuns(): Promise<number> {
    return this.redis.zcard(this.keys.cleanupRuns());
  }
}
