/**
 * Cleans the token keys: catalog entries of tokens past their expiry (a score range of
 * tokens:by-expiry) with their index and search entries, and, as a separate pass, tokens deleted
 * without a tombstone and index entries the catalog does not know. Registered with the cleanup.
 */
import { Injectable } from '@nestjs/common';
import { type EndedEntriesOwner, EndedEntriesRegistry, type EndedEntry, type OnScanned, type RemovalOp } from '../redis/ended-entries.js';
import { IndexSweep, zrem } from '../redis/index-sweep.js';
import { lexMemberId } from '../redis/lex-index.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { parseCatalogEntry, type TokenCatalogEntry } from './token-catalog-entry.js';
import { tokenSearchMembers } from './token-search.js';

const TOKENS = 'tokens';
const TOKEN_INDEXES = 'token-indexes';
const LEAVES_CATALOG = 'its token leaves the catalog';
const NOT_IN_CATALOG = 'not in the token catalog';

/** A catalog entry that goes; `entry` is null when it cannot be read. */
interface Leaving {
  readonly id: string;
  readonly entry: TokenCatalogEntry | null;
  readonly reason: string;
}

@Injectable()
export class TokenCleanupRepository implements EndedEntriesOwner {
  constructor(
    private readonly keys: RedisKeys,
    private readonly sweep: IndexSweep,
    registry: EndedEntriesRegistry,
  ) {
    registry.register(this);
  }

  /** Tokens whose expiry (their tokens:by-expiry score) has passed. */
  async findEnded(nowMs: number, onScanned: OnScanned): Promise<EndedEntry[]> {
    const ids: string[] = [];
    await this.sweep.rangeUpTo(this.keys.tokensByExpiry(), nowMs, (entries) => {
      onScanned(entries.length);
      for (const e of entries) ids.push(e.member);
    });
    const entries = await this.sweep.inBatches(ids, (p, id) => p.hget(this.keys.tokenCatalog(), id));
    const leaving: Leaving[] = [];
    ids.forEach((id, i) => {
      const entry = parseCatalogEntry((entries[i] as string | null) ?? '');
      // An id the catalog does not know is an orphan index entry (findOrphans).
      if (entry !== null) leaving.push({ id, entry, reason: expiredReason(entry) });
    });
    return this.plan(leaving);
  }

  /**
   * Catalog entries whose token was deleted without a tombstone (or that cannot be read), index
   * entries the catalog does not know, and search entries of tokens leaving the catalog. Every
   * candidate is checked against the catalog again, since a token created during the walk is not
   * among the ids read. Token ids never come back, so index entries go without a score check.
   */
  async findOrphans(nowMs: number, ended: readonly EndedEntry[], onScanned: OnScanned): Promise<EndedEntry[]> {
    const catalog = this.keys.tokenCatalog();
    const going = new Set(ended.filter((e) => e.category === TOKENS).map((e) => e.member as string));
    const catalogIds = new Set<string>();
    const leaving: Leaving[] = [];
    await this.sweep.hscanAll(catalog, async (fields) => {
      onScanned(fields.length);
      const live: Array<{ id: string; entry: TokenCatalogEntry }> = [];
      for (const [id, raw] of fields) {
        catalogIds.add(id);
        if (going.has(id)) continue;
        const entry = parseCatalogEntry(raw);
        if (entry === null) leaving.push({ id, entry, reason: 'unreadable catalog entry' });
        else if (entry.x <= nowMs) leaving.push({ id, entry, reason: expiredReason(entry) });
        else live.push({ id, entry });
      }
      // Record and tombstone share the owner's hash tag: one EXISTS per token. A live token has its
      // record or, once revoked, its tombstone (both during a rotation's grace).
      for (const { id, entry } of await this.sweep.absent(live, (x) => [
        this.keys.token(x.entry.e, x.id),
        this.keys.revokedToken(x.entry.e, x.id),
      ])) {
        leaving.push({ id, entry, reason: `deleted: no record and no tombstone (${entry.e})` });
      }
    });
    const out = await this.plan(leaving);
    for (const l of leaving) going.add(l.id);
    const planned = new Set([...ended, ...out].filter((e) => e.key === this.keys.tokensByTerm()).map((e) => e.member));

    const globalIndexes = [this.keys.tokensByCreated(), this.keys.tokensByExpiry(), this.keys.revokedTokens()].map(async (key) => {
      const candidates = new Set<string>();
      await this.sweep.membersOf(key, (members) => {
        onScanned(members.length);
        for (const member of members) if (!catalogIds.has(member) && !going.has(member)) candidates.add(member);
      });
      const members = [...candidates];
      const known = await this.sweep.inBatches(members, (p, member) => p.hexists(catalog, member));
      members.forEach((member, i) => {
        if (known[i] === 0) out.push(zrem(TOKEN_INDEXES, key, member, NOT_IN_CATALOG));
      });
    });

    const searchIndex = (async () => {
      const byTerm = this.keys.tokensByTerm();
      const unknown: string[] = [];
      await this.sweep.membersOf(byTerm, (members) => {
        onScanned(members.length);
        for (const member of members) {
          const id = lexMemberId(member);
          if (planned.has(member)) continue;
          if (going.has(id)) out.push(zrem(TOKEN_INDEXES, byTerm, member, LEAVES_CATALOG));
          else if (!catalogIds.has(id)) unknown.push(member);
        }
      });
      const known = await this.sweep.inBatches(unknown, (p, member) => p.hexists(catalog, lexMemberId(member)));
      unknown.forEach((member, i) => {
        if (known[i] === 0) out.push(zrem(TOKEN_INDEXES, byTerm, member, NOT_IN_CATALOG));
      });
    })();

    // The indexes are walked side by side: while one waits on Redis, another's answer is handled.
    await Promise.all([...globalIndexes, searchIndex]);
    return out;
  }

  removeEnded(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void> {
    return this.sweep.remove(entries, onRemoved, beforeBatch);
  }

  /**
   * The steps that take leaving tokens out: their per-user index entries (phase 1), global index
   * and search entries (2), then the catalog entry (3). Only steps that will remove something are
   * planned, so a preview's counts and memory are exact.
   */
  private async plan(leaving: readonly Leaving[]): Promise<EndedEntry[]> {
    const catalog = this.keys.tokenCatalog();
    const byTerm = this.keys.tokensByTerm();
    const globals = [this.keys.tokensByCreated(), this.keys.tokensByExpiry(), this.keys.revokedTokens()];
    const perUser = (email: string): string[] => [this.keys.userTokens(email), this.keys.userTokenHistory(email)];
    const searchOf = (l: Leaving): string[] => (l.entry === null ? [] : tokenSearchMembers(l.entry.e, l.entry.n, l.id));
    const scores = await this.sweep.inBatches(
      leaving,
      (p, l) => {
        for (const key of globals) p.zscore(key, l.id);
        if (l.entry !== null) for (const key of perUser(l.entry.e)) p.zscore(key, l.id);
        for (const member of searchOf(l)) p.zscore(byTerm, member);
      },
      (l) => (l.entry === null ? 3 : 7),
    );
    const out: EndedEntry[] = [];
    leaving.forEach((l, i) => {
      const present = (scores[i] as Array<string | null>).map((s) => s !== null);
      const ops: RemovalOp[] = [];
      globals.forEach((key, k) => {
        if (present[k]) ops.push({ phase: 2, type: 'zrem', key, member: l.id });
      });
      if (l.entry !== null) {
        perUser(l.entry.e).forEach((key, k) => {
          if (present[3 + k]) ops.unshift({ phase: 1, type: 'zrem', key, member: l.id });
        });
      }
      ops.push({ phase: 3, type: 'hdel', key: catalog, field: l.id });
      out.push({ category: TOKENS, key: catalog, member: l.id, reason: l.reason, count: 1, ops });
      searchOf(l).forEach((member, k) => {
        if (present[5 + k]) out.push(zrem(TOKEN_INDEXES, byTerm, member, LEAVES_CATALOG));
      });
    });
    return out;
  }
}

function expiredReason(entry: TokenCatalogEntry): string {
  return `expired at ${new Date(entry.x).toISOString()} (${entry.e})`;
}
