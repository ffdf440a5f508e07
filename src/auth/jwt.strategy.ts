/**
 * The passport strategy of the REST API (/api/*): a passport-jwt strategy whose verification is the
 * gateway's own, the same as /v1's. The token comes from Bearer or x-api-key (readCredentials, as on
 * /v1); TokenVerifier checks it with the one TokenCodec (HS256 only, issuer, audience, expiry, nbf,
 * lifetime, subject and id rules), then the ban and the allowlist. passport-jwt's own jsonwebtoken
 * check is not used: one verifier, one claims check, one answer for each refusal on both paths.
 * The /v1 proxy does not go through passport: it calls TokenVerifier directly (docs/ARCHITECTURE.md).
 */
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { toError } from '../common/unknown-value.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { readCredentials } from './request-credentials.js';
import { TokenVerifier } from './token-verifier.service.js';

export const JWT_STRATEGY = 'jwt';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly verifier: TokenVerifier,
  ) {
    // passport-jwt wants a key and an extractor; authenticate() below does the work with the codec.
    super({ jwtFromRequest: tokenOf, secretOrKey: config.jwt.secret, algorithms: ['HS256'] });
  }

  /** passport's entry point: succeed with the admitted user, fail without a token, error with the verifier's refusal. */
  override authenticate(req: Request): void {
    const token = tokenOf(req);
    if (token === null) return this.fail(401);
    this.verifier.authenticate(token).then(
      (user: AuthenticatedUser) => this.success(user),
      (err: unknown) => this.error(toError(err)),
    );
  }

  /** Never called (authenticate does not hand over to passport-jwt); kept for the mixin's contract. */
  validate(): never {
    throw new Error('JwtStrategy verifies tokens in authenticate()');
  }
}

function tokenOf(req: Request): string | null {
  const credentials = readCredentials(req);
  return credentials.kind === 'token' ? credentials.token : null;
}
