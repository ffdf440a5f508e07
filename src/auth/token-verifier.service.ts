/**
 * Turns a gateway token into an authenticated user: signature and claims (CPU only), then the
 * ban and the allowlist in one Redis round trip, or none when the verified-token cache admitted
 * this token a moment ago (token-admission-cache.ts; invalidated by Redis pub/sub). Applies AUTH_FAIL_MODE when Redis is down, and
 * stays closed while the store waits for an operator after losing its data. Every refusal it
 * decides carries its reason for the refusal log (auth-refusal-log.ts); a token refused for its
 * signature or claims carries none, and the log diagnoses it from the token.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import type { Admission } from '../active-users/ban.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { InvalidCredentialsError, ServiceUnavailableError, UserBannedError } from '../common/domain-errors.js';
import { RateLimitedLog } from '../common/rate-limited-log.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { RedisDurabilityService, STORE_RESET_MESSAGE } from '../redis/redis-durability.service.js';
import { isRedisUnavailableError } from '../redis/redis-errors.js';
import type { TokenClaims } from '../tokens/token-claims.js';
import { parseScopes } from '../tokens/token-claims.js';
import { TokenAdmissionCache } from '../tokens/token-admission-cache.js';
import { TokenCodec } from '../tokens/token-codec.js';
import { admitsUnchecked } from './auth-fail-mode.js';
import { type Refusal, type RefusalReason, withRefusal } from './auth-refusal-log.js';

const UNAVAILABLE_MESSAGE = 'Authentication is temporarily unavailable; try again shortly';
/** Told only for a validly signed token: revoked by its owner or an admin, or unknown to this gateway's store. */
const REVOKED_MESSAGE = 'This token has been revoked; create a new one';

@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  /** In open mode every call of an outage would log a line: one a second, and a count. */
  private readonly uncheckedLog = new RateLimitedLog(this.logger, 1, (_key, suppressed) => {
    return `Redis unavailable: ${suppressed} more tokens admitted unchecked (AUTH_FAIL_MODE=open)`;
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly codec: TokenCodec,
    private readonly activeUsers: ActiveUsersService,
    private readonly durability: RedisDurabilityService,
    private readonly cache: TokenAdmissionCache,
  ) {}

  /** Verifies a raw JWT. Throws InvalidCredentialsError, UserBannedError or ServiceUnavailableError. */
  async authenticate(rawToken: string): Promise<AuthenticatedUser> {
    return this.admit(this.verifySignature(rawToken));
  }

  /**
   * The CPU-only half of `authenticate`: signature and claims, no Redis. The proxy runs its other
   * CPU-only checks between the two halves, so a refused call costs no round trip. Throws
   * InvalidCredentialsError (one generic answer for a forged, malformed or wrong-claim token), or the
   * expired error naming when for a token whose signature is valid.
   */
  verifySignature(rawToken: string): TokenClaims {
    const checked = this.codec.check(rawToken);
    if (checked === null) throw new InvalidCredentialsError();
    if (checked.kind === 'expired') throw expiredError(checked.claims);
    return checked.claims;
  }

  /**
   * The Redis half of `authenticate`, for claims `verifySignature` returned. `onlyCallInFlight`: the
   * caller serves no other call now, so a cache hit goes straight on (see `admit`).
   */
  async admitSigned(claims: TokenClaims, onlyCallInFlight = false): Promise<AuthenticatedUser> {
    return this.admit(claims, onlyCallInFlight);
  }

  private async admit(claims: TokenClaims, onlyCallInFlight = false): Promise<AuthenticatedUser> {
    // A flag set by the store checker: no Redis round trip. Closed in both fail modes.
    if (this.durability.storeResetDetected) {
      // What was cached came from the lost store: none of it may pass once the operator confirms.
      this.cache.clear();
      throw withRefusal(new ServiceUnavailableError(STORE_RESET_MESSAGE), refusal('store_reset', claims));
    }
    const user: AuthenticatedUser = {
      email: claims.sub,
      method: 'jwt',
      scopes: parseScopes(claims.scope) ?? ['llm'],
      tokenId: claims.jti,
      tokenName: claims.name,
    };
    // Admitted by Redis a moment ago, and no revoke, rotation or ban of this user published since.
    if (this.cache.has(claims.sub, claims.jti)) {
      this.activeUsers.recordTokenUse(claims.sub, claims.jti, claims.name);
      // With other calls in flight, one turn of the event loop, as a Redis reply would take: the calls
      // that arrived together go on together. Without it, 50 concurrent connections cost about 20 % more
      // CPU per call than reading Redis did (more loop turns and wake-ups per call). Alone, the turn
      // only adds a wake-up: the call goes straight on (measured, docs/BENCHMARKS.md).
      if (!onlyCallInFlight) await new Promise<void>((resolve) => setImmediate(resolve));
      return user;
    }
    const ticket = this.cache.ticket();
    let admission: Admission;
    try {
      admission = await this.activeUsers.admitToken(claims.sub, claims.jti, claims.name);
    } catch (err) {
      if (admitsUnchecked(this.config.authFailMode, err)) {
        this.uncheckedLog.write(
          'unchecked',
          'warn',
          () => `Redis unavailable, admitting ${claims.jti} unchecked (AUTH_FAIL_MODE=open): ${(err as Error).message}`,
        );
        return user;
      }
      const reason = isRedisUnavailableError(err) ? 'store_unavailable' : 'store_error';
      throw withRefusal(new ServiceUnavailableError(UNAVAILABLE_MESSAGE), refusal(reason, claims, (err as Error)?.message));
    }
    switch (admission.kind) {
      case 'admitted':
        this.cache.put(ticket, claims.sub, claims.jti, admission.recordTtlMs);
        return user;
      case 'not-allowlisted':
        throw withRefusal(new InvalidCredentialsError(REVOKED_MESSAGE, 'token_revoked'), refusal('revoked', claims));
      case 'banned': {
        const remaining = admission.remainingMs > 0 ? admission.remainingMs : this.config.banTtlSeconds * 1000;
        throw withRefusal(new UserBannedError(new Date(Date.now() + remaining), remaining, admission.reason), refusal('banned', claims));
      }
    }
  }
}

/** A validly signed token past its expiry: the client learns when it expired. */
function expiredError(claims: TokenClaims): InvalidCredentialsError {
  const at = new Date(claims.exp * 1000).toISOString();
  return withRefusal(
    new InvalidCredentialsError(`This token expired at ${at}; create a new one`, 'token_expired'),
    refusal('expired', claims),
  );
}

/** A refusal of a validly signed token: it names the user and the token. */
function refusal(reason: RefusalReason, claims: TokenClaims, detail?: string): Refusal {
  return { reason, user: claims.sub, tokenId: claims.jti, detail };
}
