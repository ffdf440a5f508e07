import type { CleanupRun } from '../cleanup-run.js';
import { CleanupItemDto } from './cleanup-item.dto.js';
import { CleanupRunSummaryDto } from './cleanup-run-summary.dto.js';

export class CleanupRunDto extends CleanupRunSummaryDto {
  /** The removed items (the first `limit` of them). */
  items: CleanupItemDto[];
  /** True when more items were removed than are listed. */
  items_truncated: boolean;

  static fromRun(r: CleanupRun, itemLimit: number): CleanupRunDto {
    return {
      ...CleanupRunSummaryDto.from(r),
      items: r.items.slice(0, itemLimit).map((i) => CleanupItemDto.from(i)),
      items_truncated: r.itemsTruncated || r.items.length > itemLimit,
    };
  }
}
