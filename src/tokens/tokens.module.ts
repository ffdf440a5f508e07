/** Owns API tokens: the JWT format, the Redis allowlist and the per-user index. */
import { Module } from '@nestjs/common';
import { TokenCatalogRepository } from './token-catalog.repository.js';
import { TokenCatalogService } from './token-catalog.service.js';
import { TokenRepository } from './token.repository.js';
import { TokensAdminController } from './tokens-admin.controller.js';
import { TokensService } from './tokens.service.js';

@Module({
  controllers: [TokensAdminController],
  providers: [TokensService, TokenRepository, TokenCatalogService, TokenCatalogRepository],
  exports: [TokensService],
})
export class TokensModule {}
