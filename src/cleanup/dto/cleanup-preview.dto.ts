import type { CleanupReport } from '../cleanup-run.js';
import { CleanupCategoryDto } from './cleanup-category.dto.js';
import { CleanupItemDto } from './cleanup-item.dto.js';

export class CleanupPreviewDto {
  generated_at: string;
  /** How long finding and measuring took. @example 42 */
  duration_ms: number;
  /** Stale entries in all. @example 12 */
  found: number;
  /**
   * Memory the removal would free: MEMORY USAGE of each key touched, all of it when the key would
   * go, otherwise the removed entries' share. @example 2048
   */
  freeable_bytes: number;
  categories: CleanupCategoryDto[];
  /** The first `limit` stale items. */
  items: CleanupItemDto[];
  items_truncated: boolean;

  static from(r: CleanupReport): CleanupPreviewDto {
    return {
      generated_at: new Date(r.generatedAt).toISOString(),
      duration_ms: r.durationMs,
      found: r.found,
      freeable_bytes: r.bytes,
      categories: r.categories.map((c) => CleanupCategoryDto.from(c)),
      items: r.items.map((i) => CleanupItemDto.from(i)),
      items_truncated: r.itemsTruncated,
    };
  }
}
