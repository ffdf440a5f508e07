/** Owns API tokens: the JWT format, the Redis allowlist and the per-user index. */
import { Module } from '@nestjs/common';
import { TokenRepository } from './token.repository.js';
import { TokensService } from './tokens.service.js';

@Module({
  providers: [TokensService, TokenRepository],
  exports: [TokensService],
})
export class TokensModule {}
