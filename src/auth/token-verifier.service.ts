/**
 * Turns a gateway token into an authenticated user: signature and claims (CPU only), then the
 * ban and the allowlist in one Redis round trip. Applies AUTH_FAIL_MODE when Redis is down.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import type { Admission } from '../active-users/ban.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { InvalidCredentialsError, ServiceUnavailableError, UserBannedError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { TokenClaims } from '../tokens/token-claims.js';
import { parseScopes } from '../tokens/token-claims.js';
import { TokensService } from '../tokens/tokens.service.js';

@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokensService,
    private readonly activeUsers: ActiveUsersService,
  ) {}

  /** Verifies a raw JWT. Throws InvalidCredentialsError, UserBannedError or ServiceUnavailableError. */
  async authenticate(rawToken: string): Promise<AuthenticatedUser> {
    const claims = this.tokens.codec.verify(rawToken);
    if (claims === null) throw new InvalidCredentialsError();
    return this.admit(claims);
  }

  /** Claims whose signature another verifier has checked: applies the claim rules, then the Redis checks. */
  async admitVerifiedClaims(claims: Record<string, unknown>): Promise<AuthenticatedUser> {
    if (!this.tokens.codec.claimsAreValid(claims, Math.floor(Date.now() / 1000))) throw new InvalidCredentialsError();
    return this.admit(claims as unknown as TokenClaims);
  }

  private async admit(claims: TokenClaims): Promise<AuthenticatedUser> {
    const user: AuthenticatedUser = {
      email: claims.sub,
      method: 'jwt',
      scopes: parseScopes(claims.scope) ?? ['llm'],
      tokenId: claims.jti,
      tokenName: claims.name,
    };
    let admission: Admission;
    try {
      admission = await this.activeUsers.admitToken(claims.sub, claims.jti, claims.name);
    } catch (err) {
      if (this.config.authFailMode === 'open') {
        this.logger.warn(`Redis unavailable, admitting ${claims.jti} unchecked (AUTH_FAIL_MODE=open): ${(err as Error).message}`);
        return user;
      }
      throw new ServiceUnavailableError('Authentication is temporarily unavailable; try again shortly');
    }
    switch (admission.kind) {
      case 'admitted':
        return user;
      case 'not-allowlisted':
        throw new InvalidCredentialsError();
      case 'banned': {
        const remaining = admission.remainingMs > 0 ? admission.remainingMs : this.config.banTtlSeconds * 1000;
        throw new UserBannedError(new Date(Date.now() + remaining), remaining);
      }
    }
  }
}
