/**
 * Keyspace hygiene: finds index entries that outlived what they point at and removes them. This is
 * the one repository that reads other features' keys, through the key schema (RedisKeys), because
 * cleanup is about the keyspace as a whole; it only ever removes index entries and trims the audit
 * stream, and writes nothing but its own lock and run logs. Every read is incremental (HSCAN/ZSCAN
 * of the indexes, pipelines of at most BATCH commands), so Redis is never blocked for long.
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander, Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { lexMemberId } from '../redis/lex-index.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { type SortedSetPage, type SortedSetPosition, walkSortedSet } from '../redis/sorted-set-walker.js';
import { CATEGORIES, type CleanupCategory, type CleanupItem, type RemovalOp } from './cleanup-plan.js';
import { type CleanupJob, JOB_KEEP_MS, jobFromHash } from './cleanup-job.js';
import type { CleanupRun, CleanupRunSummary } from './cleanup-run.js';
import { redisBatch } from '../redis/redis-batch.js';

/** Commands per pipeline, members per SCAN step. */
const BATCH = 1000;
const SCAN_COUNT = 2000;
/** Members per ZRANGE step of a members-only walk. */
const RANGE_COUNT = 5000;

interface CatalogEntry {
  e: string;
  x: number;
}

/** Size and MEMORY USAGE of a key, as measured. */
export interface KeyMeasure {
  readonly bytes: number;
  readonly size: number;
}

@Injectable()
export class CleanupRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  // ---- finding stale entries ----

  /** Everything stale now. Read-only. `onScanned` hears how many entries each step examined (it may throw to stop). */
  async findStale(nowMs: number, auditOldestKeptMs: number, onScanned: (n: number) => void = () => undefined): Promise<CleanupItem[]> {
    const tick = onScanned;
    const items: CleanupItem[] = [];
    // Independent passes run side by side: while one waits on Redis, another parses its answer.
    await Promise.all([
      (async () => {
        const catalogIds = new Set<string>();
        const staleTokenIds = await this.findStaleTokens(nowMs, items, catalogIds, tick);
        await this.findOrphanTokenIndexEntries(catalogIds, staleTokenIds, items, tick);
      })(),
      (async () => {
        const oauth2Emails = await this.findEndedActivity(items, tick);
        await this.findEndedUserSessions(oauth2Emails, nowMs, items, tick);
      })(),
      this.findEndedIndexEntries(this.keys.bans(), 'ban-index', (email) => this.keys.ban(email), 'ban has ended', items, tick),
      this.findEndedIndexEntries(this.keys.sessionsByExpiry(), 'session-indexes', (sid) => this.keys.session(sid), 'session has ended', items, tick),
      this.findEndedIndexEntries(this.keys.sessionsByEmail(), 'session-indexes', (member) => this.keys.session(lexMemberId(member)), 'session has ended', items, tick),
      this.findEndedIndexEntries(this.keys.cleanupRuns(), 'cleanup-log-index', (id) => this.keys.cleanupRun(id), 'run log has expired', items, tick),
      this.findOldAuditEntries(auditOldestKeptMs, items, tick),
    ]);
    const order = new Map(CATEGORIES.map((c, i) => [c, i]));
    return items.sort((a, b) => order.get(a.category)! - order.get(b.category)!);
  }

  /** Catalog entries of tokens past their expiry, or whose record and tombstone are both gone. */
  private async findStaleTokens(nowMs: number, items: CleanupItem[], catalogIds: Set<string>, tick: (n: number) => void): Promise<Set<string>> {
    const catalog = this.keys.tokenCatalog();
    const stale = new Map<string, { email: string; reason: string }>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(catalog, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      tick(flat.length / 2);
      const live: Array<{ id: string; email: string }> = [];
      for (let i = 0; i < flat.length; i += 2) {
        const id = flat[i];
        catalogIds.add(id);
        const entry = parseCatalog(flat[i + 1]);
        if (entry === null) stale.set(id, { email: '', reason: 'unreadable catalog entry' });
        else if (entry.x <= nowMs) stale.set(id, { email: entry.e, reason: `expired at ${new Date(entry.x).toISOString()}` });
        else live.push({ id, email: entry.e });
      }
      // Record and tombstone share the owner's hash tag: one EXISTS per token.
      // A live token has its record or, once revoked, its tombstone (both during a rotation's grace).
      for (const t of await this.absent(live, (x) => [this.keys.token(x.email, x.id), this.keys.revokedToken(x.email, x.id)])) {
        stale.set(t.id, { email: t.email, reason: 'deleted: no record and no tombstone' });
      }
    } while (cursor !== '0');

    const ids = [...stale.keys()];
    const globals = [this.keys.tokensByCreated(), this.keys.tokensByExpiry(), this.keys.revokedTokens()];
    // Only steps that will remove something are planned, so the preview's counts and memory are exact.
    const present = await this.inBatches(ids, (p, id) => {
      const { email } = stale.get(id)!;
      for (const key of globals) p.zscore(key, id);
      if (email !== '') p.zscore(this.keys.userTokens(email), id).zscore(this.keys.userTokenHistory(email), id);
    }, (id) => (stale.get(id)!.email === '' ? 3 : 5));
    ids.forEach((id, i) => {
      const { email, reason } = stale.get(id)!;
      const scores = present[i] as unknown as Array<string | null>;
      const ops: RemovalOp[] = [];
      if (email !== '') {
        if (scores[3] !== null) ops.push({ phase: 1, type: 'zrem', key: this.keys.userTokens(email), member: id });
        if (scores[4] !== null) ops.push({ phase: 1, type: 'zrem', key: this.keys.userTokenHistory(email), member: id });
      }
      globals.forEach((key, k) => {
        if (scores[k] !== null) ops.push({ phase: 2, type: 'zrem', key, member: id });
      });
      ops.push({ phase: 3, type: 'hdel', key: catalog, field: id });
      items.push({ category: 'tokens', key: catalog, member: id, reason: email === '' ? reason : `${reason} (${email})`, count: 1, ops });
    });
    return new Set(ids);
  }

  /**
   * Members of the global token indexes that the catalog does not know. The catalog's ids were
   * read by the pass before; a token created since is not among them, so every candidate is
   * checked against the catalog again before it counts. Token ids never come back, so these
   * entries are removed without a score check.
   */
  private async findOrphanTokenIndexEntries(
    catalogIds: ReadonlySet<string>,
    staleTokenIds: ReadonlySet<string>,
    items: CleanupItem[],
    tick: (n: number) => void,
  ): Promise<void> {
    const catalog = this.keys.tokenCatalog();
    for (const key of [this.keys.tokensByCreated(), this.keys.tokensByExpiry(), this.keys.revokedTokens()]) {
      const candidates = new Set<string>();
      // Members only, by rank: half the reply of ZSCAN. An entry shifted past by concurrent
      // inserts is found by the next run; nothing is reported without the check below.
      for (let start = 0; ; start += RANGE_COUNT) {
        const members = await this.redis.zrange(key, String(start), String(start + RANGE_COUNT - 1));
        tick(members.length);
        for (const member of members) if (!catalogIds.has(member) && !staleTokenIds.has(member)) candidates.add(member);
        if (members.length < RANGE_COUNT) break;
      }
      const members = [...candidates];
      const known = await this.inBatches(members, (p, member) => p.hexists(catalog, member));
      members.forEach((member, i) => {
        if (known[i] !== 0) return;
        items.push({ category: 'token-indexes', key, member, reason: 'not in the token catalog', count: 1, ops: [{ phase: 2, type: 'zrem', key, member }] });
      });
    }
    await this.findStaleTokenSearchEntries(catalogIds, staleTokenIds, items, tick);
  }

  /**
   * Entries of the token search index (`term\0tokenId`) of tokens this run removes from the
   * catalog, or that the catalog does not know (checked again, as above).
   */
  private async findStaleTokenSearchEntries(
    catalogIds: ReadonlySet<string>,
    staleTokenIds: ReadonlySet<string>,
    items: CleanupItem[],
    tick: (n: number) => void,
  ): Promise<void> {
    const key = this.keys.tokensByTerm();
    const going: string[] = [];
    const unknown: string[] = [];
    for (let start = 0; ; start += RANGE_COUNT) {
      const members = await this.redis.zrange(key, String(start), String(start + RANGE_COUNT - 1));
      tick(members.length);
      for (const member of members) {
        const id = lexMemberId(member);
        if (staleTokenIds.has(id)) going.push(member);
        else if (!catalogIds.has(id)) unknown.push(member);
      }
      if (members.length < RANGE_COUNT) break;
    }
    const known = await this.inBatches(unknown, (p, member) => p.hexists(this.keys.tokenCatalog(), lexMemberId(member)));
    const orphans = unknown.filter((_, i) => known[i] === 0);
    for (const [members, reason] of [[going, 'its token leaves the catalog'], [orphans, 'not in the token catalog']] as const) {
      for (const member of members) items.push({ category: 'token-indexes', key, member, reason, count: 1, ops: [{ phase: 2, type: 'zrem', key, member }] });
    }
  }

  /** Last-access and per-method entries of people whose activity record is gone; returns every oauth2 email seen. */
  private async findEndedActivity(items: CleanupItem[], tick: (n: number) => void): Promise<Set<string>> {
    const oauth2 = new Set<string>();
    const oauth2Key = this.keys.usersByMethod('oauth2');
    // The three indexes hold mostly the same people: each record is checked once.
    const known = new Map<string, boolean>();
    for (const key of [this.keys.usersByLastAccess(), this.keys.usersByMethod('jwt'), oauth2Key, this.keys.usersByEmail()]) {
      await this.findEndedIndexEntries(
        key,
        'active-user-indexes',
        (email) => this.keys.activeUser(email),
        'activity record has ended',
        items,
        tick,
        (email) => {
          if (key === oauth2Key) oauth2.add(email);
        },
        known,
      );
    }
    return oauth2;
  }

  /** Entries of a sorted-set index whose target key no longer exists. */
  private async findEndedIndexEntries(
    key: string,
    category: CleanupCategory,
    targetOf: (member: string) => string,
    reason: string,
    items: CleanupItem[],
    tick: (n: number) => void,
    onMember?: (member: string) => void,
    known: Map<string, boolean> = new Map(),
  ): Promise<void> {
    const seen = new Set<string>();
    await this.zscanAll(key, async (entries) => {
      tick(entries.length);
      const fresh = entries.filter((e) => !seen.has(e.member));
      for (const e of fresh) {
        seen.add(e.member);
        onMember?.(e.member);
      }
      const unknown = fresh.filter((e) => !known.has(e.member));
      const gone = new Set(await this.absent(unknown, (e) => [targetOf(e.member)]));
      for (const e of unknown) known.set(e.member, !gone.has(e));
      for (const e of fresh) {
        if (known.get(e.member) === true) continue;
        items.push({ category, key, member: e.member, reason, count: 1, ops: [{ phase: 2, type: 'zrem-if-score', key, member: e.member, score: e.score }] });
      }
    });
  }

  /** Entries of per-user session indexes past their expiry (the session key expired with them). */
  private async findEndedUserSessions(emails: ReadonlySet<string>, nowMs: number, items: CleanupItem[], tick: (n: number) => void): Promise<void> {
    const list = [...emails];
    tick(list.length);
    const ended = await this.inBatches(list, (p, email) => p.zrangebyscore(this.keys.userSessions(email), '-inf', nowMs, 'WITHSCORES'));
    list.forEach((email, i) => {
      const flat = ended[i] as unknown as string[];
      const key = this.keys.userSessions(email);
      for (let k = 0; k < flat.length; k += 2) {
        items.push({
          category: 'session-indexes',
          key,
          member: flat[k],
          reason: 'session has ended',
          count: 1,
          ops: [{ phase: 1, type: 'zrem-if-score', key, member: flat[k], score: Number(flat[k + 1]) }],
        });
      }
    });
  }

  private async findOldAuditEntries(oldestKeptMs: number, items: CleanupItem[], tick: (n: number) => void): Promise<void> {
    const key = this.keys.auditLog();
    let count = 0;
    let start = '-';
    for (;;) {
      const entries = await this.redis.xrange(key, start, String(oldestKeptMs - 1), 'COUNT', SCAN_COUNT);
      tick(entries.length);
      count += entries.length;
      if (entries.length < SCAN_COUNT) break;
      start = `(${entries[entries.length - 1][0]}`;
    }
    if (count === 0) return;
    items.push({
      category: 'audit',
      key,
      member: null,
      reason: `${count} entries older than ${new Date(oldestKeptMs).toISOString()}`,
      count,
      ops: [{ phase: 2, type: 'xtrim', key, minId: String(oldestKeptMs), count }],
    });
  }

  // ---- measuring and removing ----

  /** MEMORY USAGE and size (members, fields or entries) of every key the items touch. */
  async measure(items: readonly CleanupItem[]): Promise<Map<string, KeyMeasure>> {
    const kinds = new Map<string, RemovalOp['type']>();
    for (const item of items) for (const op of item.ops) kinds.set(op.key, op.type);
    const keys = [...kinds.keys()];
    const replies = await this.inBatches(
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
      const [bytes, size] = replies[i] as unknown as [number | null, number];
      out.set(key, { bytes: bytes ?? 0, size });
    });
    return out;
  }

  /**
   * Carries out the items' steps, phase by phase, in pipelines of BATCH commands; `beforeBatch`
   * runs before each (the caller renews its lock there). Marks in `removed`, per item, whether
   * anything was removed, as it goes, so a run that stops early still knows what it did.
   */
  async apply(items: readonly CleanupItem[], removed: boolean[], beforeBatch: () => Promise<void>): Promise<void> {
    for (const phase of [1, 2, 3] as const) {
      const steps: Array<{ item: number; op: RemovalOp }> = [];
      items.forEach((item, i) => {
        for (const op of item.ops) if (op.phase === phase) steps.push({ item: i, op });
      });
      for (let start = 0; start < steps.length; start += BATCH) {
        await beforeBatch();
        const chunk = steps.slice(start, start + BATCH);
        const pipeline = redisBatch(this.redis);
        for (const { op } of chunk) {
          switch (op.type) {
            case 'zrem':
              pipeline.zrem(op.key, op.member);
              break;
            case 'zrem-if-score':
              pipeline.gwZremIfScore(op.key, op.member, op.score);
              break;
            case 'hdel':
              pipeline.hdel(op.key, op.field);
              break;
            case 'xtrim':
              pipeline.xtrim(op.key, 'MINID', op.minId);
              break;
          }
        }
        const results = (await pipeline.exec()) ?? [];
        chunk.forEach(({ item }, k) => {
          const [err, reply] = results[k] ?? [new Error('missing pipeline reply'), null];
          if (err) throw err;
          const n = Array.isArray(reply) ? Number(reply[0]) : Number(reply);
          if (n > 0) removed[item] = true;
        });
      }
    }
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
    const raws = await this.inBatches(runIds, (p, id) => p.get(this.keys.cleanupRun(id)));
    return raws.map((raw) => {
      if (raw === null) return null;
      const { items: _items, ...summary } = JSON.parse(raw as unknown as string) as CleanupRun;
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

  // ---- helpers ----

  /**
   * The items none of whose keys exist. One EXISTS per key (keys of different items live in
   * different Cluster slots), sent a batch at a time: one round trip per node for each batch.
   */
  private async absent<T>(list: readonly T[], keysOf: (item: T) => string[]): Promise<T[]> {
    const out: T[] = [];
    for (let start = 0; start < list.length; start += BATCH) {
      const part = list.slice(start, start + BATCH);
      const keys = part.map(keysOf);
      const batch = redisBatch(this.redis);
      for (const key of keys.flat()) batch.exists(key);
      const replies = (await batch.exec()) ?? [];
      let at = 0;
      part.forEach((item, i) => {
        let present = 0;
        for (let k = 0; k < keys[i].length; k++, at++) {
          const [err, n] = replies[at];
          if (err) throw err;
          present += Number(n);
        }
        if (present === 0) out.push(item);
      });
    }
    return out;
  }

  /** ZSCAN over a whole sorted set, a step at a time (members may repeat across steps: callers dedupe). */
  private async zscanAll(key: string, onEntries: (entries: Array<{ member: string; score: number }>) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(key, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      const entries: Array<{ member: string; score: number }> = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ member: flat[i], score: Number(flat[i + 1]) });
      if (entries.length > 0) await onEntries(entries);
    } while (cursor !== '0');
  }

  /**
   * Queues `perItem(pipeline, item)` for every item, BATCH commands per pipeline, and returns the
   * replies grouped per item (one reply when the item queued one command, an array when several).
   */
  private async inBatches<T>(
    list: readonly T[],
    perItem: (pipeline: ChainableCommander, item: T) => void,
    commandsOf: (item: T) => number = () => 1,
  ): Promise<unknown[]> {
    const out: unknown[] = [];
    let start = 0;
    while (start < list.length) {
      const pipeline = redisBatch(this.redis);
      const sizes: number[] = [];
      let queued = 0;
      let end = start;
      while (end < list.length && queued < BATCH) {
        perItem(pipeline, list[end]);
        const n = commandsOf(list[end]);
        sizes.push(n);
        queued += n;
        end += 1;
      }
      const results = (await pipeline.exec()) ?? [];
      let k = 0;
      for (const n of sizes) {
        const replies = results.slice(k, k + n).map(([err, reply]) => {
          if (err) throw err;
          return reply;
        });
        out.push(n === 1 ? replies[0] : replies);
        k += n;
      }
      start = end;
    }
    return out;
  }
}

function parseCatalog(raw: string): CatalogEntry | null {
  try {
    const value = JSON.parse(raw) as Partial<CatalogEntry>;
    return typeof value.e === 'string' && typeof value.x === 'number' ? { e: value.e, x: value.x } : null;
  } catch {
    return null;
  }
}
