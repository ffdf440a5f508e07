import { AdminTokenSummaryDto } from './admin-token-summary.dto.js';
import { AdminTokenDto } from './admin-token.dto.js';

export class AdminTokenListDto {
  items: AdminTokenDto[];
  /** Pass as `cursor` for the next page; null at the end. */
  next_cursor: string | null;
  /** Counts for the user given in `email`, otherwise for the whole gateway (not narrowed by `q` or `status`). */
  summary: AdminTokenSummaryDto;
}
