import { AdminTokenDto } from './admin-token.dto.js';

/**
 * The counts are for the user given in `email`, otherwise for the whole gateway; they are not
 * narrowed by `q` or `status`.
 */
export class AdminTokenListDto {
  items: AdminTokenDto[];
  /** Pass as `cursor` for the next page; null at the end. */
  next_cursor: string | null;
  /** @example 1200 */
  total: number;
  /** Live tokens of people not banned. @example 1097 */
  active: number;
  /** Live tokens of banned people (refused while the ban lasts). @example 3 */
  blocked: number;
  /** @example 80 */
  expired: number;
  /** Revoked tokens still within their lifetime. @example 20 */
  revoked: number;
}
