/** Owns API tokens: the JWT format, the Redis allowlist and the per-user index, the self-service and admin token APIs. */
import { Module } from '@nestjs/common';
import { AdminsModule } from '../admins/admins.module.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { TokenAdmissionCache } from './token-admission-cache.js';
import { TokenCatalogRepository } from './token-catalog.repository.js';
import { TokenCodec, tokenCodecOf } from './token-codec.js';
import { TokenCatalogService } from './token-catalog.service.js';
import { TokenRepository } from './token.repository.js';
import { TokensAdminController } from './tokens-admin.controller.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';
import { TokenCleanupRepository } from './token-cleanup.repository.js';

@Module({
  imports: [AdminsModule],
  controllers: [TokensController, TokensAdminController],
  providers: [
    TokensService,
    TokenRepository,
    TokenCatalogService,
    TokenCatalogRepository,
    TokenCleanupRepository,
    // The one signer and verifier of gateway tokens, for /v1, the REST API (passport) and the CLI.
    { provide: TokenCodec, inject: [APP_CONFIG], useFactory: tokenCodecOf },
    // One per process: the verifier reads it, the revoke/rotate/ban paths and the invalidation subscriber empty it.
    {
      provide: TokenAdmissionCache,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => new TokenAdmissionCache(c.tokenCache.ttlMs, c.tokenCache.maxEntries),
    },
  ],
  exports: [TokensService, TokenCatalogService, TokenAdmissionCache, TokenCodec],
})
export class TokensModule {}
