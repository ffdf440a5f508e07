/** Owns the admin list: admins from the environment and admins a super admin adds at run time. */
import { Module } from '@nestjs/common';
import { AdminsController } from './admins.controller.js';
import { AdminsRepository } from './admins.repository.js';
import { AdminsService } from './admins.service.js';

@Module({
  controllers: [AdminsController],
  providers: [AdminsService, AdminsRepository],
  exports: [AdminsService],
})
export class AdminsModule {}
