/**
 * The verified-token cache: which tokens Redis admitted a moment ago, so a busy client's next calls
 * cost no round trip. Positive admissions only (a banned user, a revoked or unknown token is never
 * kept), each for TOKEN_CACHE_TTL_MS at most and never past its allowlist record's own end, at most
 * TOKEN_CACHE_MAX_ENTRIES of them. It is used only while invalidations can reach it: the subscriber
 * (auth/token-invalidations.service.ts) turns it on once its subscription is confirmed, and off,
 * emptied, the moment the connection is lost, errs or stops answering (fail closed: reads go to
 * Redis, never stale). It lives here, below auth and active-users, so the repositories that revoke,
 * rotate and ban also drop this gateway's entries at once, before the script's message comes back.
 *
 * A revoke, rotation or ban publishes the user; `invalidateUser` drops their entries. An admission
 * read that was in flight when an invalidation (or a connection change) arrived may carry the answer
 * from before it: every change bumps a generation, and a read started under an older generation is
 * not kept (`ticket` before the read, `put` with it after).
 */

/** A ticket that keeps nothing: the cache was off when the read began. */
const NO_TICKET = -1;

export class TokenAdmissionCache {
  /** email -> token id -> when the entry ends (ms). Per user, so a user's invalidation is one delete. */
  private readonly byUser = new Map<string, Map<string, number>>();
  private entries = 0;
  private generation = 0;
  /** True while the invalidation subscription is confirmed. */
  private subscribed = false;

  constructor(
    readonly ttlMs: number,
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether lookups and puts are served: a positive TTL and a confirmed subscription. */
  get active(): boolean {
    return this.subscribed && this.ttlMs > 0;
  }

  get size(): number {
    return this.entries;
  }

  /** True when this user's token was admitted within its entry's life; an ended entry is dropped. */
  has(email: string, tokenId: string): boolean {
    if (!this.subscribed) return false;
    const tokens = this.byUser.get(email);
    if (tokens === undefined) return false;
    const until = tokens.get(tokenId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.deleteEntry(email, tokens, tokenId);
    return false;
  }

  /** Taken just before an admission read; `put` keeps the read's answer only if nothing changed since. */
  ticket(): number {
    return this.active ? this.generation : NO_TICKET;
  }

  /**
   * Keeps an admission Redis answered, unless an invalidation or a connection change came while it
   * was read. `recordTtlMs` is the allowlist record's remaining life (-1: none): the entry never
   * outlives the record (a rotation's grace, the token's expiry).
   */
  put(ticket: number, email: string, tokenId: string, recordTtlMs: number): void {
    if (ticket === NO_TICKET || ticket !== this.generation || !this.active) return;
    const life = recordTtlMs >= 0 ? Math.min(this.ttlMs, recordTtlMs) : this.ttlMs;
    if (life <= 0) return;
    if (this.entries >= this.maxEntries && this.byUser.get(email)?.has(tokenId) !== true) this.evict();
    let tokens = this.byUser.get(email);
    if (tokens === undefined) {
      tokens = new Map();
      this.byUser.set(email, tokens);
    }
    if (!tokens.has(tokenId)) this.entries += 1;
    tokens.set(tokenId, this.now() + life);
  }

  /** A revoke, rotation or ban of this user was published: their entries go, and reads in flight are not kept. */
  invalidateUser(email: string): void {
    this.generation += 1;
    const tokens = this.byUser.get(email);
    if (tokens === undefined) return;
    this.entries -= tokens.size;
    this.byUser.delete(email);
  }

  /** Empties the cache; reads in flight are not kept. */
  clear(): void {
    this.generation += 1;
    this.byUser.clear();
    this.entries = 0;
  }

  /** The subscription is confirmed: the cache may be used (reads begun before are still not kept). */
  resume(): void {
    this.generation += 1;
    this.subscribed = true;
  }

  /** The subscription is lost or in doubt: emptied and unused until `resume`. */
  suspend(): void {
    this.subscribed = false;
    this.clear();
  }

  /** Drops the entries that ended, then, if still full, the users cached longest ago until a tenth is free. */
  private evict(): void {
    const now = this.now();
    for (const [email, tokens] of this.byUser) {
      for (const [tokenId, until] of tokens) if (until <= now) this.deleteEntry(email, tokens, tokenId);
    }
    const target = Math.floor(this.maxEntries * 0.9);
    for (const [email, tokens] of this.byUser) {
      if (this.entries <= target) break;
      this.entries -= tokens.size;
      this.byUser.delete(email);
    }
  }

  private deleteEntry(email: string, tokens: Map<string, number>, tokenId: string): void {
    if (!tokens.delete(tokenId)) return;
    this.entries -= 1;
    if (tokens.size === 0) this.byUser.delete(email);
  }
}
