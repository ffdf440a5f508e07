import { BanItemDto } from './ban-item.dto.js';

export class BanListDto {
  /** Latest ending first. */
  items: BanItemDto[];
  /** Pass as `cursor` for the next page; null at the end. */
  next_cursor: string | null;
  /** Current bans in all (not only those matching `q`). @example 2 */
  total: number;
}
