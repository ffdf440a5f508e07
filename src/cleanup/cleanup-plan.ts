/** What a cleanup reports: stale entries, grouped by category, in this order. */
import type { EndedEntry } from '../redis/ended-entries.js';

export type CleanupCategory =
  'tokens' | 'token-indexes' | 'active-user-indexes' | 'ban-index' | 'session-indexes' | 'cleanup-log-index' | 'audit';

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

/** A stale entry as its owner found it, with its removal steps (see redis/ended-entries.ts). */
export type CleanupItem = EndedEntry;

export interface CategoryResult {
  readonly category: CleanupCategory;
  readonly description: string;
  readonly count: number;
  readonly bytes: number;
}
