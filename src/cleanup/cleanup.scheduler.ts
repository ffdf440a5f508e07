/**
 * Scheduled cleanups: every CLEANUP_INTERVAL_MINUTES (0, the default, turns them off). With several
 * gateway instances each one schedules, and the cleanup lock lets one run at a time.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConflictError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CleanupService } from './cleanup.service.js';

export const SCHEDULER_ACTOR = 'scheduler';

@Injectable()
export class CleanupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CleanupScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cleanup: CleanupService,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = this.config.cleanup.intervalMinutes;
    if (minutes <= 0) return;
    this.timer = setInterval(() => {
      if (this.running === undefined) this.running = this.runOnce().finally(() => (this.running = undefined));
    }, minutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** One scheduled run; a run already in progress elsewhere is not an error. */
  async runOnce(): Promise<void> {
    try {
      const run = await this.cleanup.execute(SCHEDULER_ACTOR, 'scheduled');
      this.logger.log(`Scheduled cleanup ${run.runId}: removed ${run.deleted} of ${run.found} stale entries, freed ${run.freedBytes} bytes`);
    } catch (err) {
      if (err instanceof ConflictError) {
        this.logger.debug('Scheduled cleanup skipped: another run holds the lock');
        return;
      }
      this.logger.error(`Scheduled cleanup failed: ${(err as Error).message}`);
    }
  }
}
