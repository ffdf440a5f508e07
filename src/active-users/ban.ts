/** A user's ban; times are epoch milliseconds. */
export interface Ban {
  readonly email: string;
  readonly bannedAt: number;
  readonly until: number;
  readonly bannedBy: string;
  readonly reason: string;
}

/** Outcome of the admission check on one request. */
export type Admission =
  | { readonly kind: 'admitted' }
  | { readonly kind: 'not-allowlisted' }
  | { readonly kind: 'banned'; readonly remainingMs: number };

/** Outcome of the admission check on a browser-session request. */
export type SessionAdmission =
  | { readonly kind: 'admitted'; readonly sessionCount: number }
  | { readonly kind: 'banned'; readonly remainingMs: number };
