/** Owns authentication: the token verifier, the passport strategies, browser login and the global guards. */
import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ActiveUsersModule } from '../active-users/active-users.module.js';
import { AdminsModule } from '../admins/admins.module.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthRefusalLog } from './auth-refusal-log.js';
import { AUTH0_STRATEGY, Auth0Strategy } from './auth0.strategy.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginController } from './login.controller.js';
import { LoginService } from './login.service.js';
import { MeController } from './me.controller.js';
import { TokenInvalidations } from './token-invalidations.service.js';
import { TokenVerifier } from './token-verifier.service.js';

@Module({
  imports: [PassportModule, TokensModule, ActiveUsersModule, SessionsModule, AdminsModule],
  controllers: [LoginController, MeController],
  providers: [
    TokenVerifier,
    TokenInvalidations,
    AuthRefusalLog,
    JwtStrategy,
    LoginService,
    // Built only when Auth0 is configured: without it the gateway runs and login says it is off.
    {
      provide: AUTH0_STRATEGY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.auth0.enabled ? new Auth0Strategy(config) : null),
    },
  ],
  exports: [TokenVerifier, AuthRefusalLog],
})
export class AuthModule {}
