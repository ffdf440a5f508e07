/**
 * Scheduled cleanups: CLEANUP_CRON (read in UTC; unset, the default, turns them off), a job of
 * @nestjs/schedule. Every gateway instance's job fires on each tick; the first to claim the tick
 * in Redis runs it, the others skip it, so each tick has one run whatever the number of replicas.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { SlackNotifier } from '../alerts/slack-notifier.service.js';
import { ConflictError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CleanupService, CleanupStoppedError } from './cleanup.service.js';
import { latestTick } from './schedule-tick.js';

export const SCHEDULER_ACTOR = 'scheduler';
export const CLEANUP_JOB = 'redis-cleanup';

@Injectable()
export class CleanupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CleanupScheduler.name);
  /** Names this instance in tick claims. */
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private job: CronJob | undefined;
  private running: Promise<void> | undefined;
  /** Set while scheduled runs fail to start, so a long outage sends one alert, not one a tick. */
  private failing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cleanup: CleanupService,
    private readonly registry: SchedulerRegistry,
    private readonly alerts: SlackNotifier,
  ) {}

  onApplicationBootstrap(): void {
    const cronTime = this.config.cleanup.cron;
    if (cronTime === undefined) return;
    this.job = CronJob.from({ cronTime, timeZone: 'UTC', start: false, onTick: () => this.onTick() });
    // Registered so the schedule module stops it when the application shuts down.
    this.registry.addCronJob(CLEANUP_JOB, this.job);
    this.job.start();
    this.logger.log(`Scheduled cleanups: ${cronTime} (UTC), next at ${this.job.nextDate().toISO() ?? '?'}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job?.stop();
    await this.running;
  }

  /** One tick: a tick this instance is still busy with the last one for is left to the others. */
  private onTick(): void {
    const tick = this.job === undefined ? null : latestTick(this.job.cronTime, Date.now());
    if (tick === null) {
      this.logger.warn('Scheduled cleanup skipped: the timer fired long after its tick (event loop blocked?)');
      return;
    }
    if (this.running !== undefined) return;
    this.running = this.runTick(tick).finally(() => (this.running = undefined));
  }

  /** Claims the tick and runs it; never throws. */
  async runTick(tick: number): Promise<void> {
    const at = new Date(tick).toISOString();
    try {
      if (!(await this.cleanup.claimScheduledTick(tick, this.owner))) return;
      const run = await this.cleanup.execute(SCHEDULER_ACTOR, 'scheduled', tick);
      this.failing = false;
      this.logger.log(
        `Scheduled cleanup ${run.runId} (tick ${at}): removed ${run.deleted} of ${run.found} stale entries, freed ${run.freedBytes} bytes`,
      );
    } catch (err) {
      if (err instanceof ConflictError) {
        this.logger.log(`Scheduled cleanup of tick ${at} skipped: another cleanup is still running`);
        return;
      }
      const message = (err as Error)?.message ?? String(err);
      this.logger.error(`Scheduled cleanup of tick ${at} failed: ${message}`);
      // A run that stopped early has a log and was alerted with it; one that never started has neither.
      if (!(err instanceof CleanupStoppedError) && !this.failing) this.alerts.scheduledCleanupNotRun(message);
      this.failing = !(err instanceof CleanupStoppedError);
    }
  }
}
