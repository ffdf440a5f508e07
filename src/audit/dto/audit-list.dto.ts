import { AuditEntryDto } from './audit-entry.dto.js';

export class AuditListDto {
  /** Newest first. */
  items: AuditEntryDto[];
  /** Pass as `cursor` for the next page; null at the end. */
  next_cursor: string | null;
  /** Entries kept in the trail (all of them, not only those matching the filters). */
  total: number;
  /** AUDIT_RETENTION_DAYS: how long entries are kept. */
  retention_days: number;
}
