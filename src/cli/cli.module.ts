/** The ops CLI's application context: the same config, Redis provider and feature services as the server, no HTTP. */
import { Module } from '@nestjs/common';
import { ActiveUsersModule } from '../active-users/active-users.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ConfigModule } from '../config/config.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { TokensModule } from '../tokens/tokens.module.js';

@Module({
  imports: [ConfigModule, RedisModule, TokensModule, ActiveUsersModule, AuditModule],
})
export class CliModule {}
