/** What a cleanup finds and removes: stale entries, grouped by category, each with its removal steps. */

export type CleanupCategory =
  | 'tokens'
  | 'token-indexes'
  | 'active-user-indexes'
  | 'ban-index'
  | 'session-indexes'
  | 'cleanup-log-index'
  | 'audit';

export const CATEGORY_DESCRIPTIONS: Readonly<Record<CleanupCategory, string>> = {
  tokens: 'Tokens past their expiry, or deleted without a tombstone, still in the token catalog and its indexes',
  'token-indexes': 'Token index entries the catalog does not know, and search entries of tokens leaving the catalog',
  'active-user-indexes': 'Last-access, per-method and search index entries of people whose activity record has ended',
  'ban-index': 'Ban index entries of bans that have ended',
  'session-indexes': 'Session index entries (global, per user and search) of sessions that have ended',
  'cleanup-log-index': 'Cleanup run index entries whose log has expired',
  audit: 'Audit entries older than AUDIT_RETENTION_DAYS',
};

export const CATEGORIES = Object.keys(CATEGORY_DESCRIPTIONS) as CleanupCategory[];

/**
 * One removal step. `phase` orders them: per-user keys (1), then global indexes (2), then the
 * token catalog (3), so an interrupted run leaves entries the next run still finds.
 */
export type RemovalOp =
  | { readonly phase: 1 | 2 | 3; readonly type: 'zrem'; readonly key: string; readonly member: string }
  /** Removes the member only while its score is unchanged (the entry was not refreshed meanwhile). */
  | { readonly phase: 1 | 2 | 3; readonly type: 'zrem-if-score'; readonly key: string; readonly member: string; readonly score: number }
  | { readonly phase: 1 | 2 | 3; readonly type: 'hdel'; readonly key: string; readonly field: string }
  /** Trims a stream below an id; removes `count` entries. */
  | { readonly phase: 1 | 2 | 3; readonly type: 'xtrim'; readonly key: string; readonly minId: string; readonly count: number };

export interface CleanupItem {
  readonly category: CleanupCategory;
  /** The key the stale entry is in. */
  readonly key: string;
  /** The stale member, field or token id; null for a whole range (audit). */
  readonly member: string | null;
  readonly reason: string;
  /** Entries this item stands for (1, or the number of audit entries). */
  readonly count: number;
  readonly ops: readonly RemovalOp[];
}

export interface CategoryResult {
  readonly category: CleanupCategory;
  readonly description: string;
  readonly count: number;
  readonly bytes: number;
}
