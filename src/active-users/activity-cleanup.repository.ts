/**
 * Cleans the activity and ban indexes: entries whose last access is older than
 * ACTIVE_USER_TTL_SECONDS or whose ban has ended (score ranges), and, as a separate pass, entries
 * whose activity record or ban was deleted before its time. Registered with the cleanup.
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type EndedEntriesOwner, EndedEntriesRegistry, type EndedEntry, type OnScanned } from '../redis/ended-entries.js';
import { IndexSweep, type ScoredMember, zremIfScore } from '../redis/index-sweep.js';
import { RedisKeys } from '../redis/redis-keys.js';

const ACTIVITY = 'active-user-indexes';
const BANS = 'ban-index';
const ACTIVITY_ENDED = 'activity record has ended';
const BAN_ENDED = 'ban has ended';
/**
 * The indexes are written at most once a second per user and best effort, a little after the
 * record: an entry is taken as ended only this long after the record's TTL would have run out.
 */
const INDEX_LAG_MS = 60_000;

@Injectable()
export class ActivityCleanupRepository implements EndedEntriesOwner {
  constructor(
    private readonly keys: RedisKeys,
    private readonly sweep: IndexSweep,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    registry: EndedEntriesRegistry,
  ) {
    registry.register(this);
  }

  /** Last-access, per-method and search entries of people not seen within the TTL; bans past their end. */
  async findEnded(nowMs: number, onScanned: OnScanned): Promise<EndedEntry[]> {
    const out: EndedEntry[] = [];
    const lastSeenBefore = nowMs - this.config.activeUserTtlSeconds * 1000 - INDEX_LAG_MS;
    const lapsed: string[] = [];
    await Promise.all(
      this.scoredActivityIndexes().map((key) =>
        this.sweep.rangeUpTo(key, lastSeenBefore, (entries) => {
          onScanned(entries.length);
          for (const e of entries) out.push(zremIfScore(ACTIVITY, key, e, ACTIVITY_ENDED));
          if (key === this.keys.usersByLastAccess()) lapsed.push(...entries.map((e) => e.member));
        }),
      ),
    );
    // The search index files the email at score 0; it goes with the last-access entry.
    const filed = await this.sweep.inBatches(lapsed, (p, email) => p.zscore(this.keys.usersByEmail(), email));
    lapsed.forEach((email, i) => {
      if (filed[i] !== null) out.push(zremIfScore(ACTIVITY, this.keys.usersByEmail(), { member: email, score: 0 }, ACTIVITY_ENDED));
    });
    await this.sweep.rangeUpTo(this.keys.bans(), nowMs, (entries) => {
      onScanned(entries.length);
      for (const e of entries) out.push(zremIfScore(BANS, this.keys.bans(), e, BAN_ENDED));
    });
    return out;
  }

  /** Index entries of people whose activity record, or of bans whose ban, is gone before its time. */
  async findOrphans(_nowMs: number, ended: readonly EndedEntry[], onScanned: OnScanned): Promise<EndedEntry[]> {
    const out: EndedEntry[] = [];
    const going = new Set(ended.map((e) => `${e.key} ${e.member ?? ''}`));
    await Promise.all([
      (async () => {
        // The activity indexes hold mostly the same people: each record is checked once.
        const known = new Map<string, boolean>();
        for (const key of [...this.scoredActivityIndexes(), this.keys.usersByEmail()]) {
          await this.orphansOf(key, ACTIVITY, (email) => this.keys.activeUser(email), ACTIVITY_ENDED, going, known, out, onScanned);
        }
      })(),
      this.orphansOf(this.keys.bans(), BANS, (email) => this.keys.ban(email), BAN_ENDED, going, new Map(), out, onScanned),
    ]);
    return out;
  }

  removeEnded(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void> {
    return this.sweep.remove(entries, onRemoved, beforeBatch);
  }

  private scoredActivityIndexes(): string[] {
    return [this.keys.usersByLastAccess(), this.keys.usersByMethod('jwt'), this.keys.usersByMethod('oauth2')];
  }

  /** Entries of an index whose target key no longer exists, other than those already going. */
  private async orphansOf(
    key: string,
    category: string,
    targetOf: (email: string) => string,
    reason: string,
    going: Set<string>,
    known: Map<string, boolean>,
    out: EndedEntry[],
    onScanned: OnScanned,
  ): Promise<void> {
    await this.sweep.zscanAll(key, async (entries) => {
      onScanned(entries.length);
      // ZSCAN may repeat a member across steps.
      const fresh = entries.filter((e) => !going.has(`${key} ${e.member}`) && going.add(`${key} ${e.member}`));
      const unknown = fresh.filter((e) => !known.has(e.member));
      const gone = new Set(await this.sweep.absent(unknown, (e: ScoredMember) => [targetOf(e.member)]));
      for (const e of unknown) known.set(e.member, !gone.has(e));
      for (const e of fresh) if (known.get(e.member) === false) out.push(zremIfScore(category, key, e, reason));
    });
  }
}
