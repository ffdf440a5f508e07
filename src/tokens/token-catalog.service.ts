/** The admin view of every token: lists by state, owner or email search, and their counts. */
import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundIndexBuild } from '../redis/lex-index.js';
import { InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { indexTerm, lexCursor, type ListPosition, type Search } from '../common/list-cursor.js';
import { type TokenIndex, TokenCatalogRepository } from './token-catalog.repository.js';
import { TokenRepository } from './token.repository.js';
import type { ListingStatus, TokenListing, TokenSummary } from './token-listing.js';

export interface TokenListQuery {
  /** One user's tokens (exact email). */
  readonly email?: string;
  readonly status?: ListingStatus;
  /**
   * People banned now (the caller asks the owner of bans): their live tokens are listed and
   * counted as `blocked`, not `active`.
   */
  readonly banned: ReadonlySet<string>;
  /** Text the owner's email or the token's name starts with (prefix) or contains. */
  readonly search?: Search;
  readonly after: ListPosition | null;
  readonly limit: number;
}

export interface TokenListResult {
  readonly items: TokenListing[];
  readonly next: ListPosition | null;
  /** For one user: that user's tokens; otherwise the whole gateway's. */
  readonly summary: TokenSummary;
}

@Injectable()
export class TokenCatalogService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TokenCatalogService.name);
  private indexBuild: BackgroundIndexBuild | undefined;

  constructor(
    private readonly repository: TokenCatalogRepository,
    private readonly tokens: TokenRepository,
  ) {}

  /** Tokens created before the search index existed are filed in it once, beside the gateway's start. */
  onApplicationBootstrap(): void {
    this.indexBuild = new BackgroundIndexBuild(this.logger, 'token', (signal) => this.repository.buildSearchIndex(signal));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.indexBuild?.stop();
  }

  /**
   * Newest first. A state filter walks that state's own index (revoked and expired tokens are
   * then ordered by expiry), so a page of revoked tokens does not wade through live ones; blocked
   * tokens are read from the banned people's own indexes. A prefix search over all tokens reads
   * the search index instead (owner emails and token names in alphabetical order).
   */
  async list(query: TokenListQuery): Promise<TokenListResult> {
    const now = Date.now();
    const email = query.email === undefined ? undefined : canonicalEmail(query.email);
    if (email === null) throw new InvalidInputError('email must be a plain email address');
    const { status, search, banned } = query;
    const summaryOf = (blocked?: number): Promise<TokenSummary> =>
      email === undefined ? this.gatewaySummary(now, banned, blocked) : this.userSummary(email, now, banned);
    const keep = (t: TokenListing): boolean => status === undefined || statusOf(t, banned) === status;
    const matches = search === undefined ? undefined : textMatcher(search);

    if (status === 'blocked') {
      const owners = email === undefined ? [...banned] : banned.has(email) ? [email] : [];
      // Read once: the page's ids, and (for the whole gateway) the blocked count.
      const idsPerOwner = await this.tokens.liveIdsMany(owners, now);
      const blocked = email === undefined ? idsPerOwner.reduce((n, ids) => n + ids.length, 0) : undefined;
      const [page, counts] = await Promise.all([
        this.pageBlocked(idsPerOwner.flat(), query.after, query.limit, now, matches),
        summaryOf(blocked),
      ]);
      return { ...page, summary: counts };
    }
    const summary = summaryOf();
    if (search?.match === 'prefix' && email === undefined) {
      const [page, counts] = await Promise.all([
        this.repository.pageByTerm({ prefix: search.needle, after: query.after?.member ?? null, limit: query.limit, nowMs: now, keep }),
        summary,
      ]);
      return { items: page.items.map((t) => withStatus(t, banned)), next: lexCursor(page.next), summary: counts };
    }

    let index: TokenIndex = { kind: 'created' };
    let min: number | undefined;
    let max: number | undefined;
    if (email !== undefined) index = { kind: 'history', email };
    else if (status === 'revoked') [index, min] = [{ kind: 'revoked' }, now + 1];
    else if (status === 'expired') [index, max] = [{ kind: 'expiry' }, now];

    const [page, counts] = await Promise.all([
      this.repository.page({
        index,
        min,
        max,
        after: query.after,
        limit: query.limit,
        nowMs: now,
        matches,
        keep,
        sparse: matches !== undefined || (status !== undefined && index.kind !== 'revoked' && index.kind !== 'expiry'),
      }),
      summary,
    ]);
    return { ...page, items: page.items.map((t) => withStatus(t, banned)), summary: counts };
  }

  /**
   * Live tokens of banned people, newest first: bans are few and each person holds at most
   * TOKENS_PER_USER_MAX tokens, so their ids come from the people's own indexes, are ordered by the
   * creation time in the catalog, and only the page's tokens are loaded in full.
   */
  private async pageBlocked(
    ids: readonly string[],
    after: ListPosition | null,
    limit: number,
    now: number,
    matches?: (email: string, name: string) => boolean,
  ): Promise<{ items: TokenListing[]; next: ListPosition | null }> {
    const ordered = (await this.repository.entries(ids))
      .flatMap((entry, i) =>
        entry !== null && (matches === undefined || matches(entry.e, entry.n)) ? [{ tokenId: ids[i], createdAt: entry.c }] : [],
      )
      .sort(newestFirst)
      .filter((t) => after === null || newestFirst(t, { createdAt: after.score, tokenId: after.member }) > 0);
    const page = ordered.slice(0, limit);
    const loaded = await this.repository.load(
      page.map((t) => t.tokenId),
      now,
    );
    const items = loaded
      .filter((t): t is TokenListing => t !== null && t.status === 'active')
      .map((t) => ({ ...t, status: 'blocked' as const }));
    const last = page.at(-1);
    return { items, next: ordered.length > limit && last !== undefined ? { score: last.createdAt, member: last.tokenId } : null };
  }

  /** One token's listing by id, whatever its state; null when the catalog does not know it. */
  async find(tokenId: string): Promise<TokenListing | null> {
    const [token] = await this.repository.load([tokenId], Date.now());
    return token ?? null;
  }

  /** Tokens neither expired nor revoked, a banned owner's included (the llmgw_tokens_live gauge). */
  countLive(): Promise<number> {
    return this.repository.countLive(Date.now());
  }

  /** Whole-gateway token counts by state; `banned` as in list(). */
  summary(banned: ReadonlySet<string>): Promise<TokenSummary> {
    return this.gatewaySummary(Date.now(), banned);
  }

  /** `knownBlocked`: the live tokens of banned people, when the caller has counted them already. */
  private async gatewaySummary(now: number, banned: ReadonlySet<string>, knownBlocked?: number): Promise<TokenSummary> {
    const [{ total, expired, revoked }, blockedPerOwner] = await Promise.all([
      this.repository.counts(now),
      knownBlocked === undefined ? this.tokens.countLiveMany([...banned], now) : Promise.resolve([knownBlocked]),
    ]);
    const blocked = blockedPerOwner.reduce((sum, n) => sum + n, 0);
    return { total, expired, revoked, blocked, active: Math.max(0, total - expired - revoked - blocked) };
  }

  private async userSummary(email: string, now: number, banned: ReadonlySet<string>): Promise<TokenSummary> {
    const tokens = await this.repository.load(await this.repository.historyIds(email), now);
    const summary = { total: 0, active: 0, blocked: 0, expired: 0, revoked: 0 };
    for (const t of tokens) {
      if (t === null) continue;
      summary.total += 1;
      summary[statusOf(t, banned)] += 1;
    }
    return summary;
  }
}

/** Whether a token's owner email or name matches a search (names compare as they are filed: indexTerm). */
function textMatcher(search: Search): (email: string, name: string) => boolean {
  const { needle, match } = search;
  return match === 'prefix'
    ? (email, name) => email.startsWith(needle) || indexTerm(name).startsWith(needle)
    : (email, name) => email.includes(needle) || indexTerm(name).includes(needle);
}

function statusOf(token: TokenListing, banned: ReadonlySet<string>): ListingStatus {
  return token.status === 'active' && banned.has(token.email) ? 'blocked' : token.status;
}

function withStatus(token: TokenListing, banned: ReadonlySet<string>): TokenListing {
  const status = statusOf(token, banned);
  return status === token.status ? token : { ...token, status };
}

/** Order of the lists: newest first, ties by id (descending), as the sorted-set walk orders them. */
function newestFirst(a: Pick<TokenListing, 'createdAt' | 'tokenId'>, b: Pick<TokenListing, 'createdAt' | 'tokenId'>): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.tokenId < b.tokenId ? 1 : a.tokenId > b.tokenId ? -1 : 0;
}
