/**
 * The only place that reads and writes browser-session keys: keys.session(id) holds the record
 * (JSON, with a TTL at the session's end), keys.userSessions(email) and keys.sessionsByExpiry()
 * index signed-in sessions by expiry (ms). Sessions that only carry login state are not indexed:
 * they live minutes and expire by themselves.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { buildIndexOnce, type LexPage, lexMember, lexMemberId, walkLexIndex } from '../redis/lex-index.js';
import { type SortedSetPage, type SortedSetPosition, walkSortedSet } from '../redis/sorted-set-walker.js';
import { redisBatch } from '../redis/redis-batch.js';

export type SessionWrite = 'written' | 'refused' | 'banned';

export interface IndexEntry {
  readonly sessionId: string;
  readonly expiresAt: number;
}

@Injectable()
export class SessionsRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  read(sessionId: string): Promise<string | null> {
    return this.redis.get(this.keys.session(sessionId));
  }

  /** Records of many sessions, in order; null where a record is gone. */
  async readMany(sessionIds: readonly string[]): Promise<Array<string | null>> {
    if (sessionIds.length === 0) return [];
    const pipeline = redisBatch(this.redis);
    for (const id of sessionIds) pipeline.get(this.keys.session(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      return (value as string | null) ?? null;
    });
  }

  /**
   * Writes a signed-in session with its index entries: 'refused' when the id is taken (create) or
   * gone (update), 'banned' when a new session's user is banned. Three steps, each on one Cluster
   * slot: the record (session-write), the user's index with the ban check (session-enroll: a ban
   * refused here deletes the record just written), then the global indexes. A crash between them
   * leaves a record its user's index or the admin lists miss until it expires by itself.
   */
  async writeSignedIn(
    mode: 'create' | 'update',
    sessionId: string,
    email: string,
    json: string,
    expiresAt: number,
    nowMs: number,
  ): Promise<SessionWrite> {
    const ttlMs = Math.max(1, expiresAt - nowMs);
    const written = await this.redis.gwSessionWrite(this.keys.session(sessionId), mode, json, ttlMs);
    if (written !== 1) return 'refused';
    const enrolled = await this.redis.gwSessionEnroll(
      this.keys.userSessions(email),
      this.keys.ban(email),
      expiresAt,
      sessionId,
      mode === 'create' ? '1' : '0',
    );
    if (enrolled === 2) {
      await this.redis.del(this.keys.session(sessionId));
      return 'banned';
    }
    const results = await redisBatch(this.redis)
      .zadd(this.keys.sessionsByExpiry(), expiresAt, sessionId)
      .zadd(this.keys.sessionsByEmail(), 0, lexMember(email, sessionId))
      .exec();
    for (const [err] of results ?? []) if (err) throw err;
    return 'written';
  }

  /** A session that only holds login state: a plain key with a short TTL, never indexed. */
  async writeAnonymous(sessionId: string, json: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.session(sessionId), json, 'PX', ttlMs);
  }

  /**
   * Ends sessions of one user: deletes each record (its own slot) and its entries in the user's
   * index and the global ones; returns how many records existed.
   */
  async end(email: string, sessionIds: readonly string[]): Promise<number> {
    if (sessionIds.length === 0) return 0;
    const batch = redisBatch(this.redis);
    for (const id of sessionIds) batch.del(this.keys.session(id));
    const results = (await batch.exec()) ?? [];
    await this.unindex(email, sessionIds);
    let ended = 0;
    for (const [err, deleted] of results) {
      if (err) throw err;
      ended += Number(deleted);
    }
    return ended;
  }

  /**
   * Ends sessions of a banned user: each record becomes its notice (see session-ban-notice.lua,
   * one script per session key), then the index entries go; returns how many signed-in records existed.
   */
  async endForBan(email: string, notices: ReadonlyArray<{ sessionId: string; notice: string }>, banRemainingMs: number): Promise<number> {
    if (notices.length === 0) return 0;
    const banMs = Math.max(0, Math.floor(banRemainingMs));
    const ended = await Promise.all(notices.map((n) => this.redis.gwSessionBanNotice(this.keys.session(n.sessionId), banMs, n.notice)));
    await this.unindex(
      email,
      notices.map((n) => n.sessionId),
    );
    return ended.reduce((sum, n) => sum + Number(n), 0);
  }

  /** Removes sessions from the user's index and the global ones. */
  private async unindex(email: string, sessionIds: readonly string[]): Promise<void> {
    const results = await redisBatch(this.redis)
      .zrem(this.keys.userSessions(email), ...sessionIds)
      .zrem(this.keys.sessionsByExpiry(), ...sessionIds)
      .zrem(this.keys.sessionsByEmail(), ...sessionIds.map((id) => lexMember(email, id)))
      .exec();
    for (const [err] of results ?? []) if (err) throw err;
  }

  /** Ends a session whose owner is unknown (its record is gone or unreadable). */
  async endOrphan(sessionId: string): Promise<number> {
    const results = await redisBatch(this.redis).del(this.keys.session(sessionId)).zrem(this.keys.sessionsByExpiry(), sessionId).exec();
    const [err, deleted] = results?.[0] ?? [new Error('empty transaction reply'), 0];
    if (err) throw err;
    return deleted as number;
  }

  /** Every id in a user's index, expired entries included. */
  allIdsOfUser(email: string): Promise<string[]> {
    return this.redis.zrange(this.keys.userSessions(email), '0', '-1');
  }

  liveIdsOfUser(email: string, nowMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.userSessions(email), `(${nowMs}`, '+inf');
  }

  countLiveOfUser(email: string, nowMs: number): Promise<number> {
    return this.redis.zcount(this.keys.userSessions(email), `(${nowMs}`, '+inf');
  }

  countLive(nowMs: number): Promise<number> {
    return this.redis.zcount(this.keys.sessionsByExpiry(), `(${nowMs}`, '+inf');
  }

  /** Live index entries in expiry order, `count` at a time from `offset` (for whole-index reports). */
  async liveEntries(nowMs: number, offset: number, count: number): Promise<IndexEntry[]> {
    const flat = await this.redis.zrangebyscore(this.keys.sessionsByExpiry(), `(${nowMs}`, '+inf', 'WITHSCORES', 'LIMIT', offset, count);
    const entries: IndexEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ sessionId: flat[i], expiresAt: Number(flat[i + 1]) });
    return entries;
  }

  /** A page of live sessions from the by-expiry index, latest expiry first, after a cursor position; `sparse` when `load` filters. */
  pageLive<T>(
    nowMs: number,
    after: SortedSetPosition | null,
    limit: number,
    load: (entries: readonly SortedSetPosition[]) => Promise<ReadonlyArray<T | null>>,
    sparse = false,
  ): Promise<SortedSetPage<T>> {
    return walkSortedSet(this.redis, {
      key: this.keys.sessionsByExpiry(),
      order: 'desc',
      min: nowMs + 1,
      after,
      limit,
      load,
      sparse,
      maxExamined: 5000,
    });
  }

  /**
   * Sessions whose owner's email starts with `prefix`, alphabetically, from the search index;
   * `load` gets session ids and drops those that have ended.
   */
  pageByEmailPrefix<T>(
    prefix: string,
    after: string | null,
    limit: number,
    load: (sessionIds: readonly string[]) => Promise<ReadonlyArray<T | null>>,
  ): Promise<LexPage<T>> {
    return walkLexIndex(this.redis, {
      key: this.keys.sessionsByEmail(),
      prefix,
      after,
      limit,
      load: (members) => load(members.map(lexMemberId)),
    });
  }

  /**
   * Files every indexed session under its owner's email, once per Redis (sessions signed in before
   * the email index existed); `ownerOf` reads a record's owner.
   */
  buildSearchIndex(ownerOf: (json: string) => string | null, signal: AbortSignal): Promise<boolean> {
    return buildIndexOnce(this.redis, this.keys.searchIndexesBuilt(), 'sessions', signal, async () => {
      for (let start = 0; ; start += 1000) {
        signal.throwIfAborted();
        const ids = await this.redis.zrange(this.keys.sessionsByExpiry(), String(start), String(start + 999));
        const records = await this.readMany(ids);
        const members = ids.flatMap((id, i) => {
          const json = records[i];
          const owner = json === null ? null : ownerOf(json);
          return owner === null ? [] : [0, lexMember(owner, id)];
        });
        if (members.length > 0) await this.redis.zadd(this.keys.sessionsByEmail(), ...members);
        if (ids.length < 1000) return;
      }
    });
  }

  /** Marks an OAuth2 authorization code as used; false when it already was (a replay). */
  async claimAuthorizationCode(codeHash: string, ttlSeconds: number): Promise<boolean> {
    const set = await this.redis.set(this.keys.usedAuthCode(codeHash), '1', 'EX', ttlSeconds, 'NX');
    return set === 'OK';
  }
}
