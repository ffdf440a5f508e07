/**
 * Hourly usage buckets: per UTC hour, request counts per auth method (a hash) and the distinct
 * people per method (one HyperLogLog each), kept 48 hours. The only place that reads and writes them.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AuthMethod } from '../common/authenticated-user.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { redisBatch } from '../redis/redis-batch.js';

/** Buckets outlive the 24 hours the charts show, with room for a late flush. */
export const USAGE_BUCKET_TTL_SECONDS = 48 * 3600;
/** Emails per PFADD command. */
const PFADD_CHUNK = 1000;

/** What one gateway counted for one hour since its last flush. */
export interface HourTally {
  readonly hourStartMs: number;
  readonly requests: Readonly<Record<AuthMethod, number>>;
  readonly users: Readonly<Record<AuthMethod, ReadonlySet<string>>>;
}

export interface HourUsage {
  readonly hourStartMs: number;
  readonly requests: Readonly<Record<AuthMethod, number>>;
  /** Distinct people (estimated, HyperLogLog): either method, and per method. */
  readonly users: number;
  readonly usersByMethod: Readonly<Record<AuthMethod, number>>;
}

const METHODS: readonly AuthMethod[] = ['jwt', 'oauth2'];

@Injectable()
export class HourlyUsageRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Adds tallies to their hours' buckets, in one pipeline (no transaction: counts only add up). */
  async add(tallies: readonly HourTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const pipeline = redisBatch(this.redis);
    for (const t of tallies) {
      const hour = this.keys.usageHour(t.hourStartMs);
      for (const method of METHODS) {
        if (t.requests[method] > 0) pipeline.hincrby(hour, method, t.requests[method]);
        const emails = [...t.users[method]];
        // Each person also goes into the hour's 'any' log: one key to count everyone, never a
        // PFCOUNT over two keys (on Redis Cluster they may live on different nodes).
        for (const hll of [this.keys.usageHourUsers(t.hourStartMs, method), this.keys.usageHourUsers(t.hourStartMs, 'any')]) {
          for (let i = 0; i < emails.length; i += PFADD_CHUNK) pipeline.pfadd(hll, ...emails.slice(i, i + PFADD_CHUNK));
          if (emails.length > 0) pipeline.expire(hll, USAGE_BUCKET_TTL_SECONDS);
        }
      }
      pipeline.expire(hour, USAGE_BUCKET_TTL_SECONDS);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null)?.[0];
    if (failed) throw failed;
  }

  /** The given hours' usage, in order, in one round trip. */
  async read(hourStarts: readonly number[]): Promise<HourUsage[]> {
    const pipeline = redisBatch(this.redis);
    for (const start of hourStarts) {
      const [jwt, oauth2] = METHODS.map((m) => this.keys.usageHourUsers(start, m));
      pipeline
        .hmget(this.keys.usageHour(start), 'jwt', 'oauth2')
        .pfcount(jwt)
        .pfcount(oauth2)
        .pfcount(this.keys.usageHourUsers(start, 'any'));
    }
    const results = (await pipeline.exec()) ?? [];
    return hourStarts.map((hourStartMs, i) => {
      const replies = results.slice(i * 4, i * 4 + 4).map(([err, value]) => {
        if (err) throw err;
        return value;
      });
      const [counts, jwtUsers, oauth2Users, anyUsers] = replies as [Array<string | null>, number, number, number];
      // Hours written before the 'any' log existed: at least the larger of the two.
      const users = Math.max(anyUsers, jwtUsers, oauth2Users);
      return {
        hourStartMs,
        requests: { jwt: Number(counts[0] ?? 0), oauth2: Number(counts[1] ?? 0) },
        users,
        usersByMethod: { jwt: jwtUsers, oauth2: oauth2Users },
      };
    });
  }
}
