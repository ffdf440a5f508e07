/**
 * The key schema: every Redis key the gateway uses is built here and nowhere else.
 * Per-user keys carry the canonical email as their hash tag, `{alice@example.com}`, so every
 * per-user script stays within one Cluster slot. Emails cannot hold braces (see common/email.ts).
 * docs/ARCHITECTURE.md describes each key.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  private user(email: string, rest: string): string {
    return `${this.prefix}{${email}}:${rest}`;
  }

  // ---- tokens (allowlist) ----
  /** Hash: the live record of one token; exists exactly while the token is valid. */
  token(email: string, tokenId: string): string {
    return this.user(email, `token:${tokenId}`);
  }
  /** Sorted set: a user's live token ids, scored by expiry (ms). */
  userTokens(email: string): string {
    return this.user(email, 'tokens');
  }
  /** Hash: tombstone of a revoked token, kept until the token would have expired. */
  revokedToken(email: string, tokenId: string): string {
    return this.user(email, `revoked:${tokenId}`);
  }
  /** Hash: token id -> compact JSON summary {e,n,c,x,s}; finds a token's owner by id and lists all tokens. */
  tokenCatalog(): string {
    return `${this.prefix}tokens:catalog`;
  }
  /** Sorted set: every token id, scored by creation time (ms). */
  tokensByCreated(): string {
    return `${this.prefix}tokens:by-created`;
  }
  /** Sorted set: every token id, scored by expiry (ms); counts and lists expired tokens. */
  tokensByExpiry(): string {
    return `${this.prefix}tokens:by-expiry`;
  }
  /** Sorted set: revoked token ids, scored by the token's expiry (ms); the tombstones' index. */
  revokedTokens(): string {
    return `${this.prefix}tokens:revoked`;
  }
  /**
   * Sorted set, lexicographic (score 0): every catalogued token under its owner's email and under
   * its lower-cased name, members `term\0tokenId` (see lex-index.ts); prefix search of the token list.
   */
  tokensByTerm(): string {
    return `${this.prefix}tokens:by-term`;
  }
  /** Sorted set: every token id of a user (live, revoked, expired until cleanup), scored by creation (ms). */
  userTokenHistory(email: string): string {
    return this.user(email, 'token-history');
  }

  // ---- bans ----
  /** Hash: a user's ban {banned_at, until, by, reason}; its TTL is the ban's remaining life. */
  ban(email: string): string {
    return this.user(email, 'ban');
  }
  /** Sorted set: banned emails, scored by the ban's end (ms). */
  bans(): string {
    return `${this.prefix}bans`;
  }

  // ---- active users ----
  /** Hash: a person's activity record, with a sliding TTL of ACTIVE_USER_TTL_SECONDS. */
  activeUser(email: string): string {
    return this.user(email, 'user');
  }
  /** Sorted set: emails scored by last access (ms), newest last. */
  usersByLastAccess(): string {
    return `${this.prefix}users:by-last-access`;
  }
  /** Sorted set, lexicographic (score 0): the emails of people seen (members: the email); prefix search of active users. */
  usersByEmail(): string {
    return `${this.prefix}users:by-email`;
  }
  /** Sorted set: emails scored by their last access with one auth method (ms); per-method totals. */
  usersByMethod(method: 'jwt' | 'oauth2'): string {
    return `${this.prefix}users:by-method:${method}`;
  }

  /** Hash: one UTC hour's request counts per auth method (fields jwt, oauth2), kept USAGE_BUCKET_TTL. */
  usageHour(hourStartMs: number): string {
    return `${this.prefix}usage:hour:${hourStartMs}`;
  }
  /** HyperLogLog: the distinct people seen in one UTC hour with one auth method (or with 'any'), kept USAGE_BUCKET_TTL. */
  usageHourUsers(hourStartMs: number, method: 'jwt' | 'oauth2' | 'any'): string {
    return `${this.prefix}usage:hour:${hourStartMs}:users:${method}`;
  }

  // ---- browser sessions ----
  /** String: one express-session record (JSON), TTL at the session's absolute or idle end. */
  session(sessionId: string): string {
    return `${this.prefix}session:${sessionId}`;
  }
  /** Sorted set: a user's session ids, scored by expiry (ms). */
  userSessions(email: string): string {
    return this.user(email, 'sessions');
  }
  /** Sorted set: every session id, scored by expiry (ms). */
  sessionsByExpiry(): string {
    return `${this.prefix}sessions:by-expiry`;
  }
  /** Sorted set, lexicographic (score 0): signed-in sessions under their owner's email, members `email\0sessionId`. */
  sessionsByEmail(): string {
    return `${this.prefix}sessions:by-email`;
  }
  /** String: a used OAuth2 authorization code, so a replay is refused. */
  usedAuthCode(codeHash: string): string {
    return `${this.prefix}oauth:used-code:${codeHash}`;
  }

  /** Hash: search index name -> when it was built from existing data (see lex-index.ts buildIndexOnce). */
  searchIndexesBuilt(): string {
    return `${this.prefix}search-indexes`;
  }

  // ---- admins ----
  /** Hash: admins added at run time by a super admin, email -> JSON {added_by, added_at}. */
  runtimeAdmins(): string {
    return `${this.prefix}admins`;
  }

  // ---- audit ----
  /** Stream: audit entries, trimmed by age. */
  auditLog(): string {
    return `${this.prefix}audit`;
  }

  // ---- cleanup ----
  /** String: the lock that lets one cleanup run at a time. */
  cleanupLock(): string {
    return `${this.prefix}cleanup:lock`;
  }
  /** String: which gateway instance runs one tick of CLEANUP_CRON (its nominal time, ms); expires shortly after. */
  cleanupTick(tickMs: number): string {
    return `${this.prefix}cleanup:tick:${tickMs}`;
  }
  /** Sorted set: cleanup run ids, scored by start time (ms). */
  cleanupRuns(): string {
    return `${this.prefix}cleanup:runs`;
  }
  /** Hash: a cleanup run's live progress (see cleanup-job.ts), kept an hour after its last update. */
  cleanupJob(jobId: string): string {
    return `${this.prefix}cleanup:job:${jobId}`;
  }
  /** String: the id of the latest cleanup job (running, or ended within the hour). */
  cleanupCurrentJob(): string {
    return `${this.prefix}cleanup:job:current`;
  }
  /** String: one cleanup run's log (JSON), TTL CLEANUP_LOG_RETENTION_DAYS. */
  cleanupRun(runId: string): string {
    return `${this.prefix}cleanup:run:${runId}`;
  }

  // ---- verified-token cache ----
  /**
   * Pub/sub channel (not a key): every script that ends or suspends a token's validity (revoke,
   * rotate, ban) publishes the user's email on it, and every gateway drops that user's cached
   * admissions (auth/token-invalidations.service.ts).
   */
  tokenInvalidations(): string {
    return `${this.prefix}auth:invalidate`;
  }

  // ---- store integrity ----
  /**
   * String: written once when the gateway first meets this Redis (and rewritten by
   * `redis confirm-reset`); its disappearance means Redis lost its data. Never expires.
   */
  storeMarker(): string {
    return `${this.prefix}store:marker`;
  }
  /**
   * String, on a Redis Cluster only: one store marker per master instead of `storeMarker()`, each
   * under a hash tag chosen so the key lands in a slot that master serves (redis-store-marker.ts
   * picks the tags). Written and read like `storeMarker()`; never expires.
   */
  clusterStoreMarker(tag: string): string {
    return `${this.prefix}store:marker:{${tag}}`;
  }
  /**
   * String: written after a user's security write (ban, unban, revocation), with a short TTL, on the
   * connection that then WAITs for a replica: in the user's slot, so on the same master.
   */
  replicationProbe(email: string): string {
    return this.user(email, 'replication-probe');
  }
  /** String: written by every readiness check, with a short TTL, to learn whether Redis takes writes. */
  healthProbe(): string {
    return `${this.prefix}health:probe`;
  }
}
