/** Owns a person's activity record and their ban; sits above tokens and sessions (a ban ends sessions, blocks tokens). */
import { Module } from '@nestjs/common';
import { AdminsModule } from '../admins/admins.module.js';
import { AlertsModule } from '../alerts/alerts.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { ActiveUsersAdminController } from './active-users-admin.controller.js';
import { AdminTokenListController } from './admin-token-list.controller.js';
import { ActiveUsersRepository } from './active-users.repository.js';
import { ActiveUsersService } from './active-users.service.js';
import { ActivityWriteBehind } from './activity-write-behind.js';
import { HourlyUsageRepository } from './hourly-usage.repository.js';
import { HourlyUsageService } from './hourly-usage.service.js';
import { UserDirectoryRepository } from './user-directory.repository.js';
import { UserDirectoryService } from './user-directory.service.js';
import { ActivityCleanupRepository } from './activity-cleanup.repository.js';

@Module({
  imports: [SessionsModule, TokensModule, AdminsModule, AlertsModule],
  controllers: [ActiveUsersAdminController, AdminTokenListController],
  providers: [
    ActiveUsersService,
    ActiveUsersRepository,
    ActivityWriteBehind,
    UserDirectoryService,
    UserDirectoryRepository,
    HourlyUsageService,
    HourlyUsageRepository,
    ActivityCleanupRepository,
  ],
  exports: [ActiveUsersService],
})
export class ActiveUsersModule {}
