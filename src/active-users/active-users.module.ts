/** Owns a person's activity record and their ban; sits above tokens and sessions. */
import { Module } from '@nestjs/common';
import { ActiveUsersRepository } from './active-users.repository.js';
import { ActiveUsersService } from './active-users.service.js';

@Module({
  providers: [ActiveUsersService, ActiveUsersRepository],
  exports: [ActiveUsersService],
})
export class ActiveUsersModule {}
