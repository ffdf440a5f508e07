/**
 * Alerts to a Slack incoming webhook (SLACK_WEBHOOK_URL, or any URL that takes the same JSON):
 * cleanups that fail or remove many entries, bans and unbans, a Redis that lost its data.
 * Callers never wait: an alert joins a bounded in-memory queue (the oldest is dropped, and logged,
 * when it is full) that one background loop delivers, each with a timeout and one retry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import * as messages from './alert-messages.js';
import type { BanAlert, CleanupRunAlert, SlackMessage, UnbanAlert } from './alert-messages.js';

/** Alerts waiting to be sent; past this the oldest is dropped. */
export const ALERT_QUEUE_SIZE = 100;
/** Pause before the one retry. */
const RETRY_DELAY_MS = 1000;

@Injectable()
export class SlackNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private readonly queue: SlackMessage[] = [];
  private draining: Promise<void> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** False when SLACK_WEBHOOK_URL is not set: every alert is then a no-op. */
  get enabled(): boolean {
    return this.config.alerts.slackWebhookUrl !== undefined;
  }

  /** A cleanup run ended: alerts when it stopped early or removed more than CLEANUP_ALERT_THRESHOLD entries. */
  cleanupFinished(run: CleanupRunAlert): void {
    if (run.error !== null) this.send(messages.cleanupFailed(run, this.origin()));
    else if (run.deleted > this.config.alerts.cleanupThreshold) {
      this.send(messages.cleanupRemovedMany(run, this.config.alerts.cleanupThreshold, this.origin()));
    }
  }

  /** A scheduled cleanup failed before it had a run log (e.g. Redis unreachable). */
  scheduledCleanupNotRun(error: string): void {
    this.send(messages.scheduledCleanupNotRun(error, this.origin()));
  }

  userBanned(ban: BanAlert): void {
    this.send(messages.userBanned(ban, this.origin()));
  }

  userUnbanned(unban: UnbanAlert): void {
    this.send(messages.userUnbanned(unban, this.origin()));
  }

  /** Redis came back without the gateway's data (its marker key vanished). */
  redisDataLost(details: string): void {
    this.send(messages.redisDataLost(details, this.origin()));
  }

  /** Gives queued alerts until their timeouts to go out, so a CLI command's alert is not lost on exit. */
  async onApplicationShutdown(): Promise<void> {
    if (this.draining === null) return;
    const deadline = (this.config.alerts.timeoutMs * 2 + RETRY_DELAY_MS) * (this.queue.length + 1);
    const timer = sleep(Math.min(deadline, 30_000), 'timeout' as const);
    if ((await Promise.race([this.draining, timer])) === 'timeout' && this.queue.length > 0) {
      this.logger.warn(`${this.queue.length} alert(s) not sent before shutdown`);
    }
  }

  private origin(): messages.AlertOrigin {
    return { gateway: this.config.publicUrl, nowMs: Date.now() };
  }

  private send(message: SlackMessage): void {
    if (!this.enabled) return;
    if (this.queue.length >= ALERT_QUEUE_SIZE) {
      const dropped = this.queue.shift();
      this.logger.warn(`Alert queue full (${ALERT_QUEUE_SIZE}): dropped the oldest alert: ${dropped?.text.slice(0, 120) ?? ''}`);
    }
    this.queue.push(message);
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
  }

  private async drain(): Promise<void> {
    for (let message = this.queue.shift(); message !== undefined; message = this.queue.shift()) {
      await this.deliver(message);
    }
  }

  /** Two attempts; a 4xx other than 429 is not retried. Never throws. The URL is a secret: never logged. */
  private async deliver(message: SlackMessage): Promise<void> {
    const body = JSON.stringify(message);
    let failure = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const res = await fetch(this.config.alerts.slackWebhookUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.config.alerts.timeoutMs),
          redirect: 'error',
        });
        await res.body?.cancel();
        if (res.ok) return;
        failure = `the webhook answered HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        failure =
          (err as Error).name === 'TimeoutError'
            ? `no answer within ${this.config.alerts.timeoutMs} ms`
            : 'the webhook could not be reached';
      }
      if (attempt === 1) await sleep(RETRY_DELAY_MS);
    }
    this.logger.error(`Alert not delivered (${failure}): ${message.text.slice(0, 200)}`);
  }
}
