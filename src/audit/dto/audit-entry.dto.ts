import type { AuditEntry } from '../audit-entry.js';

export class AuditEntryDto {
  /**
   * Stream entry id, ordered by time.
   * @example "1764575000000-0"
   */
  id: string;
  /** When it happened (ISO 8601). */
  time: string;
  /**
   * Who did it (canonical email, or "scheduler" for scheduled cleanups).
   * @example "admin@example.com"
   */
  actor: string;
  /** How the actor authenticated: jwt, oauth2 or system. */
  actor_method: string;
  /** The actor's token id, for Bearer callers. */
  actor_token_id: string;
  /** @example "user.ban" */
  action: string;
  /** @example "mallory@example.com" */
  target: string;
  /** The request's X-Request-Id. */
  request_id: string;
  /** success, failure (the action was refused or failed), or denied (the caller was not allowed). */
  outcome: 'success' | 'failure' | 'denied';
  /** HTTP status of the answer. @example 201 */
  status: number;
  /** Why it failed, when it did. */
  detail: string;
  /** Caller address as Express sees it (TRUST_PROXY applies). */
  ip: string;

  static from(e: AuditEntry): AuditEntryDto {
    return {
      id: e.id,
      time: new Date(e.time).toISOString(),
      actor: e.actor,
      actor_method: e.actorMethod,
      actor_token_id: e.actorTokenId,
      action: e.action,
      target: e.target,
      request_id: e.requestId,
      outcome: e.outcome,
      status: e.status,
      detail: e.detail,
      ip: e.ip,
    };
  }
}
