/**
 * Reads the token catalog and the global token indexes for the admin lists: which tokens exist,
 * in what order, and in what state. Writes stay in token.repository.ts (the allowlist itself).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { TokenScope } from '../common/authenticated-user.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { parseCatalogEntry, type TokenCatalogEntry } from './token-catalog-entry.js';
import { buildIndexOnce, type LexPage, lexMemberId, lexMemberTerm, walkLexIndex } from '../redis/lex-index.js';
import { type SortedSetPage, type SortedSetPosition, walkSortedSet } from '../redis/sorted-set-walker.js';
import type { TokenListing } from './token-listing.js';
import { tokenSearchMembers } from './token-search.js';
import { redisBatch } from '../redis/redis-batch.js';

/** Which index a list walks: all tokens by creation, by expiry, the revoked ones, or one user's. */
export type TokenIndex =
  | { readonly kind: 'created' }
  | { readonly kind: 'expiry' }
  | { readonly kind: 'revoked' }
  | { readonly kind: 'history'; readonly email: string };

export interface TokenWalk {
  readonly index: TokenIndex;
  readonly min?: number;
  readonly max?: number;
  readonly after: SortedSetPosition | null;
  readonly limit: number;
  readonly nowMs: number;
  /** Keeps tokens whose owner's email and name pass; tested before the token's state is read. */
  readonly matches?: (email: string, name: string) => boolean;
  readonly keep: (token: TokenListing) => boolean;
  /** True when keep/emailMatch may drop most entries: loads whole chunks at a time. */
  readonly sparse: boolean;
}

@Injectable()
export class TokenCatalogRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  page(walk: TokenWalk): Promise<SortedSetPage<TokenListing>> {
    return walkSortedSet<TokenListing>(this.redis, {
      key: this.indexKey(walk.index),
      order: 'desc',
      min: walk.min,
      max: walk.max,
      after: walk.after,
      limit: walk.limit,
      sparse: walk.sparse,
      load: async (entries) => {
        const tokens = await this.load(
          entries.map((e) => e.member),
          walk.nowMs,
          walk.matches,
        );
        return tokens.map((t) => (t !== null && walk.keep(t) ? t : null));
      },
    });
  }

  /** Files every catalogued token in the search index, once per Redis (tokens made before it existed). */
  buildSearchIndex(signal: AbortSignal): Promise<boolean> {
    return buildIndexOnce(this.redis, this.keys.searchIndexesBuilt(), 'tokens', signal, async () => {
      let cursor = '0';
      do {
        signal.throwIfAborted();
        const [next, flat] = await this.redis.hscan(this.keys.tokenCatalog(), cursor, 'COUNT', 1000);
        cursor = next;
        const members: string[] = [];
        for (let i = 0; i < flat.length; i += 2) {
          const entry = parseCatalogEntry(flat[i + 1]);
          if (entry !== null) members.push(...tokenSearchMembers(entry.e, entry.n, flat[i]));
        }
        if (members.length > 0) await this.redis.zadd(this.keys.tokensByTerm(), ...members.flatMap((m) => [0, m]));
      } while (cursor !== '0');
    });
  }

  /** Every token id of one user, newest first (live, revoked, and expired until cleanup). */
  historyIds(email: string): Promise<string[]> {
    return this.redis.zrevrange(this.keys.userTokenHistory(email), 0, -1);
  }

  /** Whole-gateway counts from the indexes: O(log n), whatever the number of tokens. */
  async counts(nowMs: number): Promise<{ total: number; expired: number; revoked: number }> {
    const results = await redisBatch(this.redis)
      .zcard(this.keys.tokensByCreated())
      .zcount(this.keys.tokensByExpiry(), '-inf', nowMs)
      .zcount(this.keys.revokedTokens(), `(${nowMs}`, '+inf')
      .exec();
    const [total, expired, revoked] = (results ?? []).map(([err, value]) => {
      if (err) throw err;
      return Number(value);
    });
    return { total, expired, revoked };
  }

  /** Tokens neither expired nor revoked, from the expiry-scored indexes (O(log n)); a revoked token is scored by its expiry. */
  async countLive(nowMs: number): Promise<number> {
    const results = await redisBatch(this.redis)
      .zcount(this.keys.tokensByExpiry(), `(${nowMs}`, '+inf')
      .zcount(this.keys.revokedTokens(), `(${nowMs}`, '+inf')
      .exec();
    const [unexpired, revoked] = (results ?? []).map(([err, value]) => {
      if (err) throw err;
      return Number(value);
    });
    return Math.max(0, unexpired - revoked);
  }

  /**
   * Tokens whose owner's email or name starts with `prefix`, alphabetically by that text, from the
   * search index. A token filed under both (its email and its name match) is listed once, under its
   * email. `keep` filters on the loaded token.
   */
  pageByTerm(walk: {
    prefix: string;
    after: string | null;
    limit: number;
    nowMs: number;
    keep: (t: TokenListing) => boolean;
  }): Promise<LexPage<TokenListing>> {
    return walkLexIndex<TokenListing>(this.redis, {
      key: this.keys.tokensByTerm(),
      prefix: walk.prefix,
      after: walk.after,
      limit: walk.limit,
      load: async (members) => {
        const tokens = await this.load(members.map(lexMemberId), walk.nowMs);
        return tokens.map((t, i) => {
          if (t === null || !walk.keep(t)) return null;
          const filedUnderName = lexMemberTerm(members[i]) !== t.email;
          return filedUnderName && t.email.startsWith(walk.prefix) ? null : t;
        });
      },
    });
  }

  /** The catalog entries of some token ids, in order (null where unknown), in one command. */
  async entries(ids: readonly string[]): Promise<Array<TokenCatalogEntry | null>> {
    if (ids.length === 0) return [];
    return (await this.redis.hmget(this.keys.tokenCatalog(), ...ids)).map((raw) => (raw === null ? null : parseCatalogEntry(raw)));
  }

  /**
   * The listings of some token ids, in order: null for an id the catalog no longer knows, whose
   * owner and name do not match, or that was deleted without a tombstone (cleanup removes those).
   */
  async load(
    ids: readonly string[],
    nowMs: number,
    matches?: (email: string, name: string) => boolean,
  ): Promise<Array<TokenListing | null>> {
    if (ids.length === 0) return [];
    const entries = await this.entries(ids);
    const wanted = entries.map((e) => e !== null && (matches === undefined || matches(e.e, e.n)));
    const pipeline = redisBatch(this.redis);
    ids.forEach((id, i) => {
      const entry = entries[i];
      if (!wanted[i] || entry === null || entry.x <= nowMs) return;
      pipeline.hmget(this.keys.token(entry.e, id), 'token_id', 'last_used_at');
      pipeline.hmget(this.keys.revokedToken(entry.e, id), 'token_id', 'last_used_at', 'revoked_at', 'revoked_by');
    });
    const states = pipeline.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    let next = 0;
    return ids.map((id, i) => {
      const entry = entries[i];
      if (!wanted[i] || entry === null) return null;
      const base = {
        tokenId: id,
        email: entry.e,
        name: entry.n,
        scopes: entry.s.split(' ').filter(Boolean) as TokenScope[],
        createdAt: entry.c,
        expiresAt: entry.x,
      };
      if (entry.x <= nowMs) return { ...base, lastUsedAt: null, status: 'expired', revokedAt: null, revokedBy: null };
      const [[e1, live], [e2, tomb]] = [states[next], states[next + 1]] as Array<[Error | null, Array<string | null>]>;
      next += 2;
      const failed = e1 ?? e2;
      if (failed) throw failed;
      if (live[0] !== null) {
        return { ...base, lastUsedAt: toTime(live[1]), status: 'active', revokedAt: null, revokedBy: null };
      }
      if (tomb[0] !== null) {
        return { ...base, lastUsedAt: toTime(tomb[1]), status: 'revoked', revokedAt: toTime(tomb[2]), revokedBy: tomb[3] ?? null };
      }
      return null;
    });
  }

  private indexKey(index: TokenIndex): string {
    switch (index.kind) {
      case 'created':
        return this.keys.tokensByCreated();
      case 'expiry':
        return this.keys.tokensByExpiry();
      case 'revoked':
        return this.keys.revokedTokens();
      case 'history':
        return this.keys.userTokenHistory(index.email);
    }
  }
}

function toTime(value: string | null | undefined): number | null {
  return value === null || value === undefined || value === '' ? null : Number(value);
}
