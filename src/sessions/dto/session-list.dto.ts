import { SessionItemDto } from './session-item.dto.js';

export class SessionListDto {
  /** Live sessions, latest expiry (most recently active) first. */
  items: SessionItemDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
  /** Live sessions in all (not only those matching `q`). */
  total: number;
}
