/**
 * Owns Redis cleanup: finding index entries that outlived what they point at (preview), removing
 * them under a lock with measured memory (execute), run logs, and optional scheduled runs.
 */
import { Module } from '@nestjs/common';
import { CleanupController } from './cleanup.controller.js';
import { CleanupRepository } from './cleanup.repository.js';
import { CleanupScheduler } from './cleanup.scheduler.js';
import { CleanupService } from './cleanup.service.js';

@Module({
  controllers: [CleanupController],
  providers: [CleanupService, CleanupRepository, CleanupScheduler],
  exports: [CleanupService],
})
export class CleanupModule {}
