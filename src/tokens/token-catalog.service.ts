/** The admin view of every token: lists by state, owner or email search, and their counts. */
import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import type { ListPosition } from '../common/list-cursor.js';
import type { SortedSetPage } from '../redis/sorted-set-walker.js';
import { type TokenIndex, TokenCatalogRepository } from './token-catalog.repository.js';
import type { TokenListing, TokenSummary } from './token-listing.js';
import type { TokenStatus } from './token-record.js';

export interface TokenListQuery {
  /** One user's tokens (exact email). */
  readonly email?: string;
  readonly status?: TokenStatus;
  /** Substring of the owner's email, matched literally. */
  readonly needle?: string;
  readonly after: ListPosition | null;
  readonly limit: number;
}

export interface TokenListResult extends SortedSetPage<TokenListing> {
  /** For one user: that user's tokens; otherwise the whole gateway's. */
  readonly summary: TokenSummary;
}

@Injectable()
export class TokenCatalogService {
  constructor(private readonly repository: TokenCatalogRepository) {}

  /**
   * Newest first. A state filter walks that state's own index (revoked and expired tokens are
   * then ordered by expiry), so a page of revoked tokens does not wade through live ones.
   */
  async list(query: TokenListQuery): Promise<TokenListResult> {
    const now = Date.now();
    const email = query.email === undefined ? undefined : canonicalEmail(query.email);
    if (email === null) throw new InvalidInputError('email must be a plain email address');
    const { status, needle } = query;

    let index: TokenIndex = { kind: 'created' };
    let min: number | undefined;
    let max: number | undefined;
    if (email !== undefined) index = { kind: 'history', email };
    else if (status === 'revoked') [index, min] = [{ kind: 'revoked' }, now + 1];
    else if (status === 'expired') [index, max] = [{ kind: 'expiry' }, now];

    const [page, summary] = await Promise.all([
      this.repository.page({
        index,
        min,
        max,
        after: query.after,
        limit: query.limit,
        nowMs: now,
        emailNeedle: needle,
        keep: (t) => status === undefined || t.status === status,
        sparse: needle !== undefined || (status !== undefined && index.kind !== 'revoked' && index.kind !== 'expiry'),
      }),
      email === undefined ? this.gatewaySummary(now) : this.userSummary(email, now),
    ]);
    return { ...page, summary };
  }

  /** One token's listing by id, whatever its state; null when the catalog does not know it. */
  async find(tokenId: string): Promise<TokenListing | null> {
    const [token] = await this.repository.load([tokenId], Date.now());
    return token ?? null;
  }

  private async gatewaySummary(now: number): Promise<TokenSummary> {
    const { total, expired, revoked } = await this.repository.counts(now);
    return { total, expired, revoked, active: Math.max(0, total - expired - revoked) };
  }

  private async userSummary(email: string, now: number): Promise<TokenSummary> {
    const tokens = await this.repository.load(await this.repository.historyIds(email), now);
    const summary = { total: 0, active: 0, expired: 0, revoked: 0 };
    for (const t of tokens) {
      if (t === null) continue;
      summary.total += 1;
      summary[t.status] += 1;
    }
    return summary;
  }
}
