/** Owns authentication: the token verifier, the passport strategies and the global guards. */
import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ActiveUsersModule } from '../active-users/active-users.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { JwtStrategy } from './jwt.strategy.js';
import { TokenVerifier } from './token-verifier.service.js';

@Module({
  imports: [PassportModule, TokensModule, ActiveUsersModule],
  providers: [TokenVerifier, JwtStrategy],
  exports: [TokenVerifier],
})
export class AuthModule {}
