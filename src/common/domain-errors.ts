/**
 * Domain errors: plain classes thrown by services, mapped to HTTP only at the edge
 * (common/http-exception.filter.ts). `code` is a stable machine-readable reason.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Missing, malformed, forged, expired or revoked credentials. Says nothing about which check failed. */
export class InvalidCredentialsError extends DomainError {
  readonly code: string;
  constructor(message = 'Invalid or missing credentials', code = 'invalid_credentials') {
    super(message);
    this.code = code;
  }
}

export class UserBannedError extends DomainError {
  readonly code = 'user_banned';
  /** `reason` is the admin's, told to the banned user when there is one. */
  constructor(
    readonly bannedUntil: Date,
    remainingMs: number,
    reason = '',
  ) {
    super(`User is banned for ${describeDuration(remainingMs)}${reason ? ` (reason: ${reason})` : ''}`);
  }
}

/** What a banned person may be told about their own ban (never who banned them). */
export interface BanNotice {
  readonly email: string;
  readonly bannedAt: number;
  readonly until: number;
  readonly reason: string;
}

/**
 * A browser session of a banned person: a 403 that carries the ban, so a page shows it (remaining
 * time, reason) instead of sending the browser to sign in again, which would only be refused.
 * API tokens of a banned person get UserBannedError (401, the shape SDKs expect).
 */
export class SessionBannedError extends UserBannedError {
  constructor(
    readonly ban: BanNotice,
    nowMs: number,
  ) {
    super(new Date(ban.until), ban.until - nowMs);
  }
}

/** The caller is known but may not do this (wrong role or scope). */
export class ForbiddenError extends DomainError {
  readonly code: string;
  constructor(message = 'Not allowed', code = 'forbidden') {
    super(message);
    this.code = code;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  readonly code: string;
  constructor(message: string, code = 'conflict') {
    super(message);
    this.code = code;
  }
}

export class LimitReachedError extends DomainError {
  readonly code = 'limit_reached';
}

export class InvalidInputError extends DomainError {
  readonly code = 'invalid_input';
}

/** Redis (or another dependency auth relies on) is unreachable and AUTH_FAIL_MODE is closed. */
export class ServiceUnavailableError extends DomainError {
  readonly code = 'service_unavailable';
}

/** "6 days 23 hours", "5 minutes", "40 seconds": the two largest non-zero units. */
export function describeDuration(ms: number): string {
  let seconds = Math.max(0, Math.ceil(ms / 1000));
  const units: Array<[string, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(seconds / size);
    seconds -= n * size;
    if (n > 0 && parts.length < 2) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
    else if (parts.length > 0) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}
