import type { CleanupItemView } from '../cleanup-run.js';

export class CleanupItemDto {
  /** @example "active-user-indexes" */
  category: string;
  /** The Redis key holding the stale entry. @example "llmgw:users:by-last-access" */
  key: string;
  /** The stale member, field or token id; null for a range of audit entries. @example "gone@example.com" */
  member: string | null;
  /** @example "activity record has ended" */
  reason: string;
  /** Entries this item stands for (1, or a number of audit entries). @example 1 */
  count: number;

  static from(i: CleanupItemView): CleanupItemDto {
    return { category: i.category, key: i.key, member: i.member, reason: i.reason, count: i.count };
  }
}
