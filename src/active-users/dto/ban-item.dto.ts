import type { BanView } from '../user-directory.service.js';

export class BanItemDto {
  /** @example "mallory@example.com" */
  email: string;
  banned_at: string;
  banned_until: string;
  /** Seconds until the ban ends by itself; null for a ban without end. @example 604000 */
  remaining_seconds: number | null;
  /** Who banned them (an admin's email, or "cli"). */
  banned_by: string;
  reason: string;

  static from(b: BanView): BanItemDto {
    return {
      email: b.email,
      banned_at: new Date(b.bannedAt).toISOString(),
      banned_until: new Date(b.until).toISOString(),
      remaining_seconds: b.remainingMs === null ? null : Math.ceil(b.remainingMs / 1000),
      banned_by: b.bannedBy,
      reason: b.reason,
    };
  }
}
