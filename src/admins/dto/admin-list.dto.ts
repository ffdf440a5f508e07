import { AdminEntryDto } from './admin-entry.dto.js';

export class AdminListDto {
  items: AdminEntryDto[];
  /** Always null: the admin list is one page. */
  next_cursor: string | null;
  /** ADMIN_DOMAINS: everyone with an email at one of these domains is an admin. */
  admin_domains: string[];
}
