/** The only place that reads and writes activity and ban keys, and runs the admission check. */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { Admission, Ban, SessionAdmission } from './ban.js';

@Injectable()
export class ActiveUsersRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Ban check, allowlist check and activity update for a JWT call, in one round trip: the
   * per-user script and the global last-access index travel in one pipeline.
   */
  async admitToken(email: string, tokenId: string, tokenName: string, nowMs: number, activeTtlSeconds: number): Promise<Admission> {
    const results = await this.redis
      .pipeline()
      .gwAdmitToken(this.keys.ban(email), this.keys.token(email, tokenId), this.keys.activeUser(email), nowMs, activeTtlSeconds, email, tokenName)
      .zadd(this.keys.usersByLastAccess(), nowMs, email)
      .zadd(this.keys.usersByMethod('jwt'), nowMs, email)
      .exec();
    const [err, reply] = results?.[0] ?? [new Error('empty pipeline reply'), null];
    if (err) throw err;
    const [status, remainingMs] = reply as [number, number];
    if (status === 2) return { kind: 'banned', remainingMs };
    if (status === 1) return { kind: 'not-allowlisted' };
    for (const [indexErr] of results?.slice(1) ?? []) if (indexErr) throw indexErr;
    return { kind: 'admitted' };
  }

  /**
   * Ban check and activity update for a browser-session request, in one round trip: the per-user
   * script (which also counts the user's live sessions) and the global indexes in one pipeline.
   */
  async admitSession(email: string, nowMs: number, activeTtlSeconds: number): Promise<SessionAdmission> {
    const results = await this.redis
      .pipeline()
      .gwAdmitSession(this.keys.ban(email), this.keys.activeUser(email), this.keys.userSessions(email), nowMs, activeTtlSeconds, email)
      .zadd(this.keys.usersByLastAccess(), nowMs, email)
      .zadd(this.keys.usersByMethod('oauth2'), nowMs, email)
      .exec();
    const [err, reply] = results?.[0] ?? [new Error('empty pipeline reply'), null];
    if (err) throw err;
    const [status, value] = reply as [number, number];
    if (status === 2) return { kind: 'banned', remainingMs: value };
    for (const [indexErr] of results?.slice(1) ?? []) if (indexErr) throw indexErr;
    return { kind: 'admitted', sessionCount: value };
  }

  async setBan(ban: Ban): Promise<void> {
    await this.redis.gwBanSet(this.keys.ban(ban.email), this.keys.bans(), ban.email, ban.bannedAt, ban.until, ban.bannedBy, ban.reason);
  }

  /** Lifts a ban; false when there was none. */
  async deleteBan(email: string): Promise<boolean> {
    const results = await this.redis.multi().del(this.keys.ban(email)).zrem(this.keys.bans(), email).exec();
    const [err, deleted] = results?.[0] ?? [new Error('empty transaction reply'), 0];
    if (err) throw err;
    return deleted === 1;
  }

  async findBan(email: string): Promise<Ban | null> {
    const fields = await this.redis.hgetall(this.keys.ban(email));
    if (!fields.email) return null;
    return {
      email: fields.email,
      bannedAt: Number(fields.banned_at),
      until: Number(fields.until),
      bannedBy: fields.banned_by ?? '',
      reason: fields.reason ?? '',
    };
  }
}
