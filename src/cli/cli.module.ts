/** The ops CLI's application context: the same config, Redis provider and feature modules as the server, no HTTP and no scheduler. */
import { Module } from '@nestjs/common';
import { ActiveUsersModule } from '../active-users/active-users.module.js';
import { AdminsModule } from '../admins/admins.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CleanupModule } from '../cleanup/cleanup.module.js';
import { ConfigModule } from '../config/config.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';

@Module({
  imports: [ConfigModule, RedisModule, TokensModule, SessionsModule, ActiveUsersModule, AuditModule, CleanupModule, AdminsModule],
})
export class CliModule {}
