/** Owns a person's activity record and their ban; sits above tokens and sessions (a ban ends sessions, blocks tokens). */
import { Module } from '@nestjs/common';
import { AdminsModule } from '../admins/admins.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { ActiveUsersAdminController } from './active-users-admin.controller.js';
import { ActiveUsersRepository } from './active-users.repository.js';
import { ActiveUsersService } from './active-users.service.js';
import { UserDirectoryRepository } from './user-directory.repository.js';
import { UserDirectoryService } from './user-directory.service.js';

@Module({
  imports: [SessionsModule, TokensModule, AdminsModule],
  controllers: [ActiveUsersAdminController],
  providers: [ActiveUsersService, ActiveUsersRepository, UserDirectoryService, UserDirectoryRepository],
  exports: [ActiveUsersService],
})
export class ActiveUsersModule {}
