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
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.get(this.keys.session(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      return (value as string | null) ?? null;
    });
  }

  /**
   * Writes a signed-in session with its index entries (see session-write.lua): 'refused' when the id
   * is taken (create) or gone (update), 'banned' when a new session's user is banned.
   */
  async writeSignedIn(mode: 'create' | 'update', sessionId: string, email: string, json: string, expiresAt: number, nowMs: number): Promise<SessionWrite> {
    const ttlMs = Math.max(1, expiresAt - nowMs);
    const outcome = await this.redis.gwSessionWrite(
      this.keys.session(sessionId),
      this.keys.userSessions(email),
      this.keys.sessionsByExpiry(),
      this.keys.ban(email),
      this.keys.sessionsByEmail(),
      mode,
      json,
      ttlMs,
      expiresAt,
      sessionId,
      lexMember(email, sessionId),
    );
    return outcome === 1 ? 'written' : outcome === 2 ? 'banned' : 'refused';
  }

  /** A session that only holds login state: a plain key with a short TTL, never indexed. */
  async writeAnonymous(sessionId: string, json: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.session(sessionId), json, 'PX', ttlMs);
  }

  /** Ends sessions of one user atomically; returns how many records existed. */
  async end(email: string, sessionIds: readonly string[]): Promise<number> {
    if (sessionIds.length === 0) return 0;
    const keys = [this.keys.sessionsByExpiry(), this.keys.userSessions(email), this.keys.sessionsByEmail(), ...sessionIds.map((id) => this.keys.session(id))];
    return this.redis.gwSessionEnd(keys.length, ...keys, email, ...sessionIds);
  }

  /**
   * Ends sessions of a banned user: each record becomes its notice (see session-ban-notice.lua),
   * atomically with the index removals; returns how many signed-in records existed.
   */
  async endForBan(email: string, notices: ReadonlyArray<{ sessionId: string; notice: string }>, banRemainingMs: number): Promise<number> {
    if (notices.length === 0) return 0;
    const keys = [this.keys.sessionsByExpiry(), this.keys.userSessions(email), this.keys.sessionsByEmail(), ...notices.map((n) => this.keys.session(n.sessionId))];
    const args = notices.flatMap((n) => [n.sessionId, n.notice]);
    return this.redis.gwSessionBanNotice(keys.length, ...keys, Math.max(0, Math.floor(banRemainingMs)), email, ...args);
  }

  /** Ends a session whose owner is unknown (its record is gone or unreadable). */
  async endOrphan(sessionId: string): Promise<number> {
    const results = await this.redis.multi().del(this.keys.session(sessionId)).zrem(this.keys.sessionsByExpiry(), sessionId).exec();
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
    return walkSortedSet(this.redis, { key: this.keys.sessionsByExpiry(), order: 'desc', min: nowMs + 1, after, limit, load, sparse, maxExamined: 5000 });
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
    return walkLexIndex(this.redis, { key: this.keys.sessionsByEmail(), prefix, after, limit, load: (members) => load(members.map(lexMemberId)) });
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
