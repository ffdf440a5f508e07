/**
 * Reads for the admin lists of people: active users from the last-access index (newest first)
 * with their activity records, and current bans from the bans index. Writes stay in
 * active-users.repository.ts.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { buildIndexOnce, type LexPage, lexMemberId, walkLexIndex } from '../redis/lex-index.js';
import { type SortedSetPage, type SortedSetPosition, walkSortedSet } from '../redis/sorted-set-walker.js';
import { type Ban, banFromHash } from './ban.js';
import { redisBatch } from '../redis/redis-batch.js';

/** A person's activity record as stored, with its remaining life and their ban's. */
export interface ActivityRecord {
  readonly email: string;
  readonly firstSeen: number | null;
  readonly lastAccess: number;
  readonly lastMethod: string;
  readonly methodJwt: number | null;
  readonly methodOauth2: number | null;
  readonly requestCount: number;
  readonly lastTokenName: string;
  /** Remaining life of the record (ms). */
  readonly ttlMs: number;
  readonly isBanned: boolean;
  /** Remaining life of the user's ban (ms); null when not banned or the ban has no end. */
  readonly banRemainingMs: number | null;
}

export interface UserTotals {
  readonly users: number;
  readonly banned: number;
  readonly jwtUsers: number;
  readonly oauth2Users: number;
}

export interface DirectoryWalk {
  readonly after: SortedSetPosition | null;
  readonly limit: number;
  readonly match?: (email: string) => boolean;
}

@Injectable()
export class UserDirectoryRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Active users, most recent access first, within the activity window (older entries are stale). */
  pageUsers(walk: DirectoryWalk, windowStartMs: number): Promise<SortedSetPage<ActivityRecord>> {
    return walkSortedSet<ActivityRecord>(this.redis, {
      key: this.keys.usersByLastAccess(),
      order: 'desc',
      min: windowStartMs,
      after: walk.after,
      limit: walk.limit,
      match: walk.match,
      load: (entries) => this.activity(entries.map((e) => e.member)),
    });
  }

  /** Active users whose email starts with `prefix`, alphabetically, from the email index (ended activity is skipped). */
  pageUsersByEmailPrefix(prefix: string, after: string | null, limit: number): Promise<LexPage<ActivityRecord>> {
    return walkLexIndex(this.redis, {
      key: this.keys.usersByEmail(),
      prefix,
      after,
      limit,
      load: (members) => this.activity(members.map(lexMemberId)),
    });
  }

  /** Files everyone in the last-access index in the email index, once per Redis (people seen before it existed). */
  buildSearchIndex(signal: AbortSignal): Promise<boolean> {
    return buildIndexOnce(this.redis, this.keys.searchIndexesBuilt(), 'users', signal, async () => {
      for (let start = 0; ; start += 5000) {
        signal.throwIfAborted();
        const emails = await this.redis.zrange(this.keys.usersByLastAccess(), String(start), String(start + 4999));
        if (emails.length > 0) await this.redis.zadd(this.keys.usersByEmail(), ...emails.flatMap((e) => [0, e]));
        if (emails.length < 5000) return;
      }
    });
  }

  async activity(emails: readonly string[]): Promise<Array<ActivityRecord | null>> {
    if (emails.length === 0) return [];
    const pipeline = redisBatch(this.redis);
    for (const email of emails) {
      pipeline.hgetall(this.keys.activeUser(email));
      pipeline.pttl(this.keys.activeUser(email));
      pipeline.pttl(this.keys.ban(email));
    }
    const results = (await pipeline.exec()) ?? [];
    return emails.map((email, i) => {
      const [[e1, fields], [e2, ttl], [e3, banTtl]] = results.slice(i * 3, i * 3 + 3) as Array<[Error | null, unknown]>;
      const failed = e1 ?? e2 ?? e3;
      if (failed) throw failed;
      const f = fields as Record<string, string>;
      if (!f.last_access) return null;
      return {
        email,
        firstSeen: num(f.first_seen),
        lastAccess: Number(f.last_access),
        lastMethod: f.last_method ?? '',
        methodJwt: num(f.method_jwt),
        methodOauth2: num(f.method_oauth2),
        requestCount: Number(f.request_count ?? 0),
        lastTokenName: f.last_token_name ?? '',
        ttlMs: Math.max(0, ttl as number),
        isBanned: (banTtl as number) !== -2,
        banRemainingMs: (banTtl as number) >= 0 ? (banTtl as number) : null,
      };
    });
  }

  /** Counts from the indexes (O(log n)): users active in the window, current bans, users per method. */
  async totals(nowMs: number, windowStartMs: number): Promise<UserTotals> {
    const results = await redisBatch(this.redis)
      .zcount(this.keys.usersByLastAccess(), windowStartMs, '+inf')
      .zcount(this.keys.bans(), `(${nowMs}`, '+inf')
      .zcount(this.keys.usersByMethod('jwt'), windowStartMs, '+inf')
      .zcount(this.keys.usersByMethod('oauth2'), windowStartMs, '+inf')
      .exec();
    const [users, banned, jwtUsers, oauth2Users] = (results ?? []).map(([err, value]) => {
      if (err) throw err;
      return Number(value);
    });
    return { users, banned, jwtUsers, oauth2Users };
  }

  /** People whose last access is at or after `sinceMs` (O(log n)). */
  async countActiveSince(sinceMs: number): Promise<number> {
    return this.redis.zcount(this.keys.usersByLastAccess(), sinceMs, '+inf');
  }

  /** Emails banned now (bans whose end is still ahead). */
  bannedEmails(nowMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.bans(), `(${nowMs}`, '+inf');
  }

  /** Current bans, the latest ending first. */
  pageBans(walk: DirectoryWalk, nowMs: number): Promise<SortedSetPage<Ban & { remainingMs: number | null }>> {
    return walkSortedSet(this.redis, {
      key: this.keys.bans(),
      order: 'desc',
      min: nowMs + 1,
      after: walk.after,
      limit: walk.limit,
      match: walk.match,
      load: async (entries) => {
        const pipeline = redisBatch(this.redis);
        for (const e of entries) pipeline.hgetall(this.keys.ban(e.member)).pttl(this.keys.ban(e.member));
        const results = (await pipeline.exec()) ?? [];
        return entries.map((e, i) => {
          const [[err1, fields], [err2, pttl]] = results.slice(i * 2, i * 2 + 2) as Array<[Error | null, unknown]>;
          const failed = err1 ?? err2;
          if (failed) throw failed;
          const ban = banFromHash(fields as Record<string, string>);
          return ban === null ? null : { ...ban, remainingMs: (pttl as number) >= 0 ? (pttl as number) : null };
        });
      },
    });
  }
}

function num(value: string | undefined): number | null {
  return value === undefined || value === '' ? null : Number(value);
}
