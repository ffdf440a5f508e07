import type { AdminEntry } from '../admins.service.js';

export class AdminEntryDto {
  /** @example "carol@example.com" */
  email: string;
  /** Where the admin comes from: SUPER_ADMIN_EMAIL, ADMIN_EMAILS, or added at run time. */
  source: 'super_admin' | 'env' | 'runtime';
  /** Only run-time admins can be removed through the API. */
  removable: boolean;
  /** Who added a run-time admin. */
  added_by: string | null;
  /** When a run-time admin was added (ISO 8601). */
  added_at: string | null;

  static from(entry: AdminEntry): AdminEntryDto {
    return {
      email: entry.email,
      source: entry.source,
      removable: entry.removable,
      added_by: entry.addedBy,
      added_at: entry.addedAt === null ? null : new Date(entry.addedAt).toISOString(),
    };
  }
}
