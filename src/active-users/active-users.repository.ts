/** The only place that reads and writes activity and ban keys, and runs the admission check. */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AuthMethod } from '../common/authenticated-user.js';
import { RateLimitedLog } from '../common/rate-limited-log.js';
import { UnexpectedRedisReplyError } from '../redis/redis-errors.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TokenAdmissionCache } from '../tokens/token-admission-cache.js';
import { type Admission, type Ban, banFromHash, type SessionAdmission } from './ban.js';
import { redisBatch } from '../redis/redis-batch.js';
import { ReplicaAcknowledgement } from '../redis/replica-acknowledgement.js';

/** Resolution of the activity indexes per user, in ms. */
const INDEX_RESOLUTION_MS = 1000;
/** Users remembered for that throttle before old entries are dropped. */
const MAX_REMEMBERED = 50_000;
/** Lines a second about failed activity writes (a full Redis fails every call's write). */
const ACTIVITY_ERROR_LINES_PER_SECOND = 1;

@Injectable()
export class ActiveUsersRepository {
  private readonly logger = new Logger(ActiveUsersRepository.name);
  /** When this gateway last wrote each "method email" into the activity indexes. */
  private readonly lastIndexed = new Map<string, number>();
  /** Activity writes that failed since start: they never fail the call (see the admission scripts). */
  private failedActivityWrites = 0;
  private readonly activityErrors = new RateLimitedLog(this.logger, ACTIVITY_ERROR_LINES_PER_SECOND, (_key, suppressed) => {
    return `Activity not recorded for ${suppressed} more calls (${this.failedActivityWrites} since start)`;
  });

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly replicas: ReplicaAcknowledgement,
    private readonly admissions: TokenAdmissionCache,
  ) {}

  /**
   * Ban check and allowlist check for a JWT call: one per-user read-only script, one round trip.
   * The activity is not written here: the caller hands it to ActivityWriteBehind, which writes it
   * with `writeTokenActivity`, batched per user.
   */
  async admitToken(email: string, tokenId: string): Promise<Admission> {
    const reply = await this.redis.gwAdmitToken(this.keys.ban(email), this.keys.token(email, tokenId));
    const [status, value, , reason] = admissionReply(reply, 'admit-token');
    if (status === 2) return { kind: 'banned', remainingMs: value, reason: reason ?? '' };
    if (status === 1) return { kind: 'not-allowlisted' };
    return { kind: 'admitted', recordTtlMs: value };
  }

  /**
   * Writes the JWT activity gathered since the last flush: one script per user (record, counts,
   * each token's last_used_at; activity-flush.lua.ts) and one write per activity index for the
   * whole batch (GT: a late flush never moves a user back). Commands go out together (ioredis
   * auto-pipelining); best effort: failures are counted and logged here, then thrown to say so.
   */
  async writeTokenActivity(batch: readonly TokenActivity[], activeTtlSeconds: number): Promise<void> {
    if (batch.length === 0) return;
    const writes: Array<Promise<unknown>> = [];
    const byLastAccess: Array<number | string> = [];
    const byEmail: Array<number | string> = [];
    for (const a of batch) {
      const keys = [this.keys.activeUser(a.email)];
      const usedAt: number[] = [];
      for (const [tokenId, at] of a.tokens) {
        keys.push(this.keys.token(a.email, tokenId));
        usedAt.push(at);
      }
      writes.push(
        this.redis.gwActivityFlush(
          keys.length,
          ...keys,
          a.lastMs,
          a.firstMs,
          a.count,
          activeTtlSeconds,
          a.email,
          a.lastTokenName,
          ...usedAt,
        ),
      );
      byLastAccess.push(a.lastMs, a.email);
      byEmail.push(0, a.email);
    }
    writes.push(this.redis.zadd(this.keys.usersByLastAccess(), 'GT', ...byLastAccess));
    writes.push(this.redis.zadd(this.keys.usersByMethod('jwt'), 'GT', ...byLastAccess));
    writes.push(this.redis.zadd(this.keys.usersByEmail(), ...byEmail));
    const results = await Promise.allSettled(writes);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === 0) return;
    const first = (failed[0].reason as Error)?.message ?? String(failed[0].reason);
    this.onActivityError(`${failed.length} of ${writes.length} activity writes for ${batch.length} users failed: ${first}`);
    throw new Error(first);
  }

  /** Ban check and activity update for a browser-session request (the script also counts live sessions). */
  async admitSession(email: string, nowMs: number, activeTtlSeconds: number): Promise<SessionAdmission> {
    const reply = await this.redis.gwAdmitSession(
      this.keys.ban(email),
      this.keys.activeUser(email),
      this.keys.userSessions(email),
      nowMs,
      activeTtlSeconds,
      email,
    );
    const [status, value, writeFailed] = admissionReply(reply, 'admit-session');
    if (status === 2) return { kind: 'banned', remainingMs: value };
    if (status !== 0) throw new UnexpectedRedisReplyError(`admit-session status ${status}`);
    if (writeFailed === 1) this.onActivityError('a write in the admission script failed');
    this.touchActivityIndexes(email, 'oauth2', nowMs);
    return { kind: 'admitted', sessionCount: value };
  }

  /**
   * The global indexes order users by last access for the admin lists (and file them by email for
   * the search); a second's resolution is plenty there, while a busy client sends many calls a second. So each gateway writes them at
   * most once a second per user and method (the per-user record keeps the exact time), in one
   * write, and GT keeps a late write from moving a user back.
   */
  private touchActivityIndexes(email: string, method: AuthMethod, nowMs: number): void {
    const key = `${method} ${email}`;
    const last = this.lastIndexed.get(key);
    if (last !== undefined && nowMs - last < INDEX_RESOLUTION_MS) return;
    if (this.lastIndexed.size >= MAX_REMEMBERED) this.forgetIndexedBefore(nowMs - INDEX_RESOLUTION_MS);
    this.lastIndexed.set(key, nowMs);
    redisBatch(this.redis)
      .zadd(this.keys.usersByLastAccess(), 'GT', nowMs, email)
      .zadd(this.keys.usersByMethod(method), 'GT', nowMs, email)
      .zadd(this.keys.usersByEmail(), 0, email)
      .exec()
      .then(
        (results) => {
          const failed = results?.find(([err]) => err !== null)?.[0];
          if (failed) this.onActivityError(`index not updated: ${failed.message}`);
        },
        (err: Error) => this.onActivityError(`index not updated: ${err.message}`),
      );
  }

  private forgetIndexedBefore(cutoffMs: number): void {
    for (const [key, at] of this.lastIndexed) if (at < cutoffMs) this.lastIndexed.delete(key);
    // Still full of users seen within the second: start over rather than grow without bound.
    if (this.lastIndexed.size >= MAX_REMEMBERED) this.lastIndexed.clear();
  }

  /** Activity is best effort: a failure is counted and logged (rate-limited), never thrown. The index catches up on a later call or cleanup. */
  private onActivityError(what: string): void {
    this.failedActivityWrites += 1;
    this.activityErrors.write('activity', 'warn', () => `Activity not recorded: ${what} (${this.failedActivityWrites} since start)`);
  }

  async setBan(ban: Ban): Promise<void> {
    // The index first: an entry without its record is a ban that ended (lists skip it, cleanup removes it).
    await this.redis.zadd(this.keys.bans(), ban.until, ban.email);
    try {
      // The script publishes the user: every gateway drops their cached admissions.
      await this.redis.gwBanSet(
        this.keys.ban(ban.email),
        ban.email,
        ban.bannedAt,
        ban.until,
        ban.bannedBy,
        ban.reason,
        this.keys.tokenInvalidations(),
      );
    } finally {
      // This one at once, without waiting for the message (also if the reply was lost).
      this.admissions.invalidateUser(ban.email);
    }
    await this.replicas.confirm(ban.email, `ban of ${ban.email}`);
  }

  /** Bans running now, from the index scored by each ban's end (O(log n)). */
  countActiveBans(nowMs: number): Promise<number> {
    return this.redis.zcount(this.keys.bans(), `(${nowMs}`, '+inf');
  }

  /** Lifts a ban; false when there was none. */
  async deleteBan(email: string): Promise<boolean> {
    const results = await redisBatch(this.redis).del(this.keys.ban(email)).zrem(this.keys.bans(), email).exec();
    const [err, deleted] = results?.[0] ?? [new Error('empty transaction reply'), 0];
    if (err) throw err;
    if (deleted === 1) await this.replicas.confirm(email, `unban of ${email}`);
    return deleted === 1;
  }

  async findBan(email: string): Promise<Ban | null> {
    return banFromHash(await this.redis.hgetall(this.keys.ban(email)));
  }
}

/** One user's JWT calls since the last flush (active-users/activity-write-behind.ts). */
export interface TokenActivity {
  readonly email: string;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly count: number;
  /** The name of the token of the latest call. */
  readonly lastTokenName: string;
  /** [token id, last use ms] of each token used. */
  readonly tokens: ReadonlyArray<readonly [string, number]>;
}

/** The admission scripts' reply, {status, value, writeFailed}, checked: a reply of another shape fails the admission. */
function admissionReply(reply: unknown, script: string): [number, number, number, string | null] {
  if (
    !Array.isArray(reply) ||
    (reply.length !== 3 && reply.length !== 4) ||
    typeof reply[0] !== 'number' ||
    typeof reply[1] !== 'number' ||
    typeof reply[2] !== 'number' ||
    (reply.length === 4 && reply[3] !== null && typeof reply[3] !== 'string')
  ) {
    throw new UnexpectedRedisReplyError(`${script} answered ${JSON.stringify(reply)?.slice(0, 100)}`);
  }
  const [status] = reply as number[];
  if (status !== 0 && status !== 1 && status !== 2) throw new UnexpectedRedisReplyError(`${script} status ${status}`);
  return [reply[0], reply[1], reply[2], (reply[3] as string | null | undefined) ?? null];
}
