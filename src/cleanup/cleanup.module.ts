/**
 * Owns Redis cleanup: finding index entries that outlived what they point at (preview), removing
 * them under a lock with measured memory (execute), and run logs. Scheduled runs are in
 * CleanupScheduleModule, which only the server imports (not the CLI).
 */
import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module.js';
import { CleanupController } from './cleanup.controller.js';
import { CleanupRepository } from './cleanup.repository.js';
import { CleanupService } from './cleanup.service.js';

@Module({
  imports: [AlertsModule],
  controllers: [CleanupController],
  providers: [CleanupService, CleanupRepository],
  exports: [CleanupService],
})
export class CleanupModule {}
