/** One recorded admin action; times are epoch milliseconds. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEntry {
  /** Stream entry id, e.g. "1764575000000-0"; ordered by time. */
  readonly id: string;
  readonly time: number;
  readonly actor: string;
  /** How the actor authenticated: "jwt", "oauth2", or "system" for scheduled work. */
  readonly actorMethod: string;
  readonly actorTokenId: string;
  readonly action: string;
  readonly target: string;
  readonly requestId: string;
  readonly outcome: AuditOutcome;
  /** HTTP status of the answer. */
  readonly status: number;
  /** Why it failed, or a short summary. */
  readonly detail: string;
  readonly ip: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'>;
