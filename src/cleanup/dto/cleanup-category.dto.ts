import type { CategoryResult } from '../cleanup-plan.js';

export class CleanupCategoryDto {
  /** tokens, token-indexes, active-user-indexes, ban-index, session-indexes, cleanup-log-index or audit. */
  category: string;
  description: string;
  /** Entries in this category. @example 12 */
  count: number;
  /** Memory in bytes, from MEMORY USAGE. @example 1536 */
  bytes: number;

  static from(c: CategoryResult): CleanupCategoryDto {
    return { category: c.category, description: c.description, count: c.count, bytes: c.bytes };
  }
}
