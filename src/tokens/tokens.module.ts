/** Owns API tokens: the JWT format, the Redis allowlist and the per-user index, the self-service and admin token APIs. */
import { Module } from '@nestjs/common';
import { AdminsModule } from '../admins/admins.module.js';
import { TokenCatalogRepository } from './token-catalog.repository.js';
import { TokenCatalogService } from './token-catalog.service.js';
import { TokenRepository } from './token.repository.js';
import { TokensAdminController } from './tokens-admin.controller.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';
import { TokenCleanupRepository } from './token-cleanup.repository.js';

@Module({
  imports: [AdminsModule],
  controllers: [TokensController, TokensAdminController],
  providers: [TokensService, TokenRepository, TokenCatalogService, TokenCatalogRepository, TokenCleanupRepository],
  exports: [TokensService, TokenCatalogService],
})
export class TokensModule {}
