/** Scheduled cleanups (CLEANUP_CRON) for the server; the CLI imports CleanupModule without it. */
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertsModule } from '../alerts/alerts.module.js';
import { CleanupScheduler } from './cleanup.scheduler.js';
import { CleanupModule } from './cleanup.module.js';

@Module({
  imports: [ScheduleModule.forRoot(), CleanupModule, AlertsModule],
  providers: [CleanupScheduler],
})
export class CleanupScheduleModule {}
