/** A user's ban; times are epoch milliseconds. */
export interface Ban {
  readonly email: string;
  readonly bannedAt: number;
  readonly until: number;
  readonly bannedBy: string;
  readonly reason: string;
}

/** A ban from its stored hash (keys.ban), or null when there is none. */
export function banFromHash(fields: Record<string, string>): Ban | null {
  if (!fields.email) return null;
  return {
    email: fields.email,
    bannedAt: Number(fields.banned_at),
    until: Number(fields.until),
    bannedBy: fields.banned_by ?? '',
    reason: fields.reason ?? '',
  };
}

/** Outcome of the admission check on one request. */
export type Admission =
  /** `recordTtlMs`: the token record's remaining life in ms (-1: none); a cached admission never outlives it. */
  | { readonly kind: 'admitted'; readonly recordTtlMs: number }
  | { readonly kind: 'not-allowlisted' }
  /** `reason` is the admin's, empty when the ban has none. */
  | { readonly kind: 'banned'; readonly remainingMs: number; readonly reason: string };

/** Outcome of the admission check on a browser-session request. */
export type SessionAdmission =
  { readonly kind: 'admitted'; readonly sessionCount: number } | { readonly kind: 'banned'; readonly remainingMs: number };
