/**
 * Cleans the session indexes: entries of sessions past their expiry (a score range of
 * sessions:by-expiry and of each user's index) and, as a separate pass, entries whose session
 * record was deleted before its time. The records themselves expire by TTL. Registered with the cleanup.
 */
import { Injectable } from '@nestjs/common';
import { type EndedEntriesOwner, EndedEntriesRegistry, type EndedEntry, type OnScanned } from '../redis/ended-entries.js';
import { IndexSweep, type ScoredMember, zremIfScore } from '../redis/index-sweep.js';
import { lexMemberId, lexMemberTerm } from '../redis/lex-index.js';
import { RedisKeys } from '../redis/redis-keys.js';

const CATEGORY = 'session-indexes';
const ENDED = 'session has ended';

@Injectable()
export class SessionCleanupRepository implements EndedEntriesOwner {
  constructor(
    private readonly keys: RedisKeys,
    private readonly sweep: IndexSweep,
    registry: EndedEntriesRegistry,
  ) {
    registry.register(this);
  }

  /**
   * Sessions whose expiry has passed: their by-expiry entries, their search entries (which also
   * name the owners), and the ended range of each owner's index.
   */
  async findEnded(nowMs: number, onScanned: OnScanned): Promise<EndedEntry[]> {
    const out: EndedEntry[] = [];
    const ended = new Set<string>();
    const search: ScoredMember[] = [];
    // Independent reads side by side: while one waits on Redis, the other's answer is handled.
    await Promise.all([
      this.sweep.rangeUpTo(this.keys.sessionsByExpiry(), nowMs, (entries) => {
        onScanned(entries.length);
        for (const e of entries) {
          ended.add(e.member);
          out.push(zremIfScore(CATEGORY, this.keys.sessionsByExpiry(), e, ENDED));
        }
      }),
      this.walkSearchIndex(onScanned, (entries) => search.push(...entries)),
    ]);
    const owners = new Set<string>();
    for (const e of search) {
      owners.add(lexMemberTerm(e.member));
      if (ended.has(lexMemberId(e.member))) out.push(zremIfScore(CATEGORY, this.keys.sessionsByEmail(), e, ENDED));
    }
    const emails = [...owners];
    onScanned(emails.length);
    const ranges = await this.sweep.inBatches(emails, (p, email) =>
      p.zrangebyscore(this.keys.userSessions(email), '-inf', nowMs, 'WITHSCORES'),
    );
    emails.forEach((email, i) => {
      const flat = ranges[i] as string[];
      for (let k = 0; k < flat.length; k += 2) {
        out.push(zremIfScore(CATEGORY, this.keys.userSessions(email), { member: flat[k], score: Number(flat[k + 1]) }, ENDED, 1));
      }
    });
    return out;
  }

  /** By-expiry and search entries of sessions whose record is gone before their expiry. */
  async findOrphans(nowMs: number, ended: readonly EndedEntry[], onScanned: OnScanned): Promise<EndedEntry[]> {
    const out: EndedEntry[] = [];
    // Ended entries are reported once; ZSCAN may repeat a member across steps.
    const seen = new Set(ended.map((e) => `${e.key} ${e.member ?? ''}`));
    const orphans = async (key: string, entries: ScoredMember[]): Promise<void> => {
      const candidates = entries.filter((e) => !seen.has(`${key} ${e.member}`) && seen.add(`${key} ${e.member}`));
      for (const e of await this.sweep.absent(candidates, (c) => [this.keys.session(lexMemberId(c.member))])) {
        out.push(zremIfScore(CATEGORY, key, e, ENDED));
      }
    };
    await Promise.all([
      this.sweep.zscanAll(this.keys.sessionsByExpiry(), async (entries) => {
        onScanned(entries.length);
        await orphans(this.keys.sessionsByExpiry(), entries);
      }),
      (async () => {
        const search: ScoredMember[] = [];
        await this.walkSearchIndex(onScanned, (entries) => search.push(...entries));
        await orphans(this.keys.sessionsByEmail(), search);
      })(),
    ]);
    return out;
  }

  removeEnded(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void> {
    return this.sweep.remove(entries, onRemoved, beforeBatch);
  }

  /** Every member of the search index (`email\0sessionId`, score 0). */
  private walkSearchIndex(onScanned: OnScanned, onStep: (entries: ScoredMember[]) => void): Promise<void> {
    return this.sweep.membersOf(this.keys.sessionsByEmail(), (members) => {
      onScanned(members.length);
      onStep(members.map((member) => ({ member, score: 0 })));
    });
  }
}
