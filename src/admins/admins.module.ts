/** Owns the admin list: admins from the environment and admins added at run time. */
import { Module } from '@nestjs/common';
import { AdminsService } from './admins.service.js';

@Module({
  providers: [AdminsService],
  exports: [AdminsService],
})
export class AdminsModule {}
