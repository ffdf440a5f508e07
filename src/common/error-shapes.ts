/**
 * The two JSON error shapes the gateway answers with.
 * - LLM routes (/v1/*): the shape both the OpenAI and Anthropic SDKs parse,
 *   {"type":"error","error":{"type","message","code"}}.
 * - REST routes: Nest's shape, {"statusCode","error","message","code"}.
 */
import { STATUS_CODES } from 'node:http';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  LimitReachedError,
  NotFoundError,
  ServiceUnavailableError,
  SessionBannedError,
  UserBannedError,
  type BanNotice,
} from './domain-errors.js';

export interface SdkErrorBody {
  type: 'error';
  error: { type: string; message: string; code: string; banned_until?: string };
}

export interface RestErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: string;
  banned_until?: string;
  /** A banned browser session's own ban (SessionBannedError). */
  ban?: BanNoticeBody;
}

export interface BanNoticeBody {
  email: string;
  reason: string;
  banned_at: string;
  banned_until: string;
  remaining_seconds: number;
}

const SDK_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  408: 'timeout_error',
  413: 'request_too_large',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function sdkErrorBody(status: number, message: string, code: string, extra?: { bannedUntil?: Date }): SdkErrorBody {
  const body: SdkErrorBody = {
    type: 'error',
    error: { type: SDK_ERROR_TYPES[status] ?? 'api_error', message, code },
  };
  if (extra?.bannedUntil) body.error.banned_until = extra.bannedUntil.toISOString();
  return body;
}

export function restErrorBody(
  status: number,
  message: string | string[],
  code: string,
  extra?: { bannedUntil?: Date; ban?: BanNotice },
): RestErrorBody {
  const body: RestErrorBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code };
  if (extra?.bannedUntil) body.banned_until = extra.bannedUntil.toISOString();
  if (extra?.ban) body.ban = banNoticeBody(extra.ban, Date.now());
  return body;
}

export function banNoticeBody(ban: BanNotice, nowMs: number): BanNoticeBody {
  return {
    email: ban.email,
    reason: ban.reason,
    banned_at: new Date(ban.bannedAt).toISOString(),
    banned_until: new Date(ban.until).toISOString(),
    remaining_seconds: Math.max(0, Math.ceil((ban.until - nowMs) / 1000)),
  };
}

/** HTTP status of a domain error. */
export function statusOfDomainError(err: DomainError): number {
  if (err instanceof SessionBannedError) return 403;
  if (err instanceof InvalidCredentialsError || err instanceof UserBannedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError || err instanceof LimitReachedError) return 409;
  if (err instanceof InvalidInputError) return 400;
  if (err instanceof ServiceUnavailableError) return 503;
  return 500;
}
