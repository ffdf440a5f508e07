/**
 * passport-jwt for the REST API (/api/*): Bearer or x-api-key, HS256 only, issuer and audience
 * checked by jsonwebtoken; then the gateway's own claim rules, ban and allowlist.
 * The /v1 proxy does not use passport: it calls TokenVerifier directly (see docs/ARCHITECTURE.md).
 */
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
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
    super({
      jwtFromRequest: (req: Request) => {
        const credentials = readCredentials(req);
        return credentials.kind === 'token' ? credentials.token : null;
      },
      secretOrKey: config.jwt.secret,
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  validate(payload: Record<string, unknown>): Promise<AuthenticatedUser> {
    return this.verifier.admitVerifiedClaims(payload);
  }
}
