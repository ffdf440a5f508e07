/**
 * One log line per refused authentication, on /v1 and on the REST API: why (the reason), which
 * request, from where, and whose token when its signature was valid; never the token itself.
 * Rate-limited per reason, so a flood of forged tokens costs a few lines a second.
 * Line: Logger.warn, context `AuthRefused`, the message an object whose fields become the JSON line's:
 *   {"event":"auth_refused","reason":"revoked","status":401,"via":"v1","request_id":"...",
 *    "client":"10.0.0.7","method":"POST","path":"/v1/chat/completions","user":"a@b.c","token_id":"..."}
 * and past the rate, once a second: {"event":"auth_refused_suppressed","reason":"bad_signature","suppressed":940}
 */
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError, InvalidCredentialsError, ServiceUnavailableError, UserBannedError } from '../common/domain-errors.js';
import { statusOfDomainError } from '../common/error-shapes.js';
import { RateLimitedLog } from '../common/rate-limited-log.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { TokenCodec } from '../tokens/token-codec.js';
import type { RequestCredentials } from './request-credentials.js';

export type RefusalReason =
  /** No token, and (on /api) no signed-in session. */
  | 'missing_credentials'
  /** Two different tokens (Bearer and x-api-key), or an Authorization header that is not "Bearer <token>". */
  | 'conflicting_credentials'
  /** Not a JWT at all. */
  | 'malformed_token'
  /** A JWT whose signature (or algorithm) is not the gateway's. */
  | 'bad_signature'
  | 'expired'
  /** Validly signed, but a claim is wrong (issuer, audience, lifetime, subject ...). */
  | 'invalid_claims'
  /** Validly signed, but not on the allowlist: revoked, or unknown to this Redis. */
  | 'revoked'
  | 'banned'
  /** Redis unreachable with AUTH_FAIL_MODE=closed. */
  | 'store_unavailable'
  /** Redis answered with an error or a reply of the wrong shape: closed in both modes. */
  | 'store_error'
  /** Redis came back empty and no operator has confirmed it yet (docs/OPERATIONS.md). */
  | 'store_reset';

/** What the verifier knows about a refusal it decided. */
export interface Refusal {
  readonly reason: RefusalReason;
  /** The token's subject and id, only when its signature was valid. */
  readonly user?: string;
  readonly tokenId?: string;
  /** Server-side detail (e.g. the Redis error), never shown to the client. */
  readonly detail?: string;
}

const refusals = new WeakMap<object, Refusal>();

/** Attaches the reason to an error the verifier throws, for the edge that logs it. */
export function withRefusal<E extends Error>(err: E, refusal: Refusal): E {
  refusals.set(err, refusal);
  return err;
}

@Injectable()
export class AuthRefusalLog implements OnApplicationShutdown {
  private readonly logger = new Logger('AuthRefused');
  private readonly lines: RateLimitedLog;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly codec: TokenCodec,
    private readonly metrics: GatewayMetrics,
  ) {
    this.lines = new RateLimitedLog(this.logger, config.failClosed.authRefusalLogPerSecond, (reason, suppressed) => ({
      event: 'auth_refused_suppressed',
      reason,
      suppressed,
    }));
  }

  /** A refused /v1 request: `err` is what the verifier threw, or undefined when no token was read. */
  refusedOnProxy(req: IncomingMessage, requestId: string, credentials: RequestCredentials, err?: unknown): void {
    this.write('v1', requestId, req.socket.remoteAddress, req.method, req.url, credentials, err);
  }

  /** A refused REST request (the authentication or ban guard threw `err`). */
  refusedOnRest(req: Request, requestId: string, credentials: RequestCredentials, err: unknown): void {
    this.write('rest', requestId, req.ip ?? req.socket.remoteAddress, req.method, req.originalUrl, credentials, err);
  }

  onApplicationShutdown(): void {
    this.lines.flush();
  }

  private write(
    via: 'v1' | 'rest',
    requestId: string,
    client: string | undefined,
    method: string | undefined,
    url: string | undefined,
    credentials: RequestCredentials,
    err: unknown,
  ): void {
    const refusal = this.refusalOf(err, credentials);
    if (refusal === null) return;
    this.metrics.countRefusal(refusal.reason, via);
    this.lines.write(refusal.reason, 'warn', () => ({
      event: 'auth_refused',
      reason: refusal.reason,
      status: err instanceof DomainError ? statusOfDomainError(err) : 401,
      via,
      request_id: requestId,
      client: client ?? null,
      method: method ?? null,
      // The path only: a query string may carry a credential.
      path: (url ?? '').split('?', 1)[0].slice(0, 200),
      user: refusal.user,
      token_id: refusal.tokenId,
      detail: refusal.detail,
    }));
  }

  /** The reason of a refusal; null when `err` is not a refusal of authentication (e.g. a 403 or a 500). */
  private refusalOf(err: unknown, credentials: RequestCredentials): Refusal | null {
    if (err instanceof Error) {
      const tagged = refusals.get(err);
      if (tagged !== undefined) return tagged;
    }
    if (credentials.kind === 'invalid') return { reason: 'conflicting_credentials' };
    // A session cookie and a token of different users (the authentication guard's own check).
    if (err instanceof InvalidCredentialsError && err.code === 'conflicting_credentials') return { reason: 'conflicting_credentials' };
    if (credentials.kind === 'none')
      return err === undefined || err instanceof InvalidCredentialsError ? { reason: 'missing_credentials' } : null;
    // A token refused before the verifier saw its claims (passport-jwt on the REST API).
    if (err === undefined || err instanceof InvalidCredentialsError) {
      const diagnosis = this.codec.diagnose(credentials.token);
      return { reason: diagnosis.problem ?? 'invalid_claims', user: diagnosis.sub, tokenId: diagnosis.jti };
    }
    if (err instanceof UserBannedError) return { reason: 'banned' };
    if (err instanceof ServiceUnavailableError) return { reason: 'store_unavailable' };
    return null;
  }
}
