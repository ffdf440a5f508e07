/**
 * Requests and active people per hour, for the dashboard's charts. Counting costs the request path
 * no Redis command: each admitted call adds to this process's tally in memory, and the tally goes
 * to the hourly buckets in one pipeline every FLUSH_INTERVAL_MS (and when the gateway stops, and
 * before this instance answers a read). Several instances add to the same buckets. Best effort: a
 * flush that fails is logged and its counts are dropped (charts, not accounting).
 */
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { AuthMethod } from '../common/authenticated-user.js';
import { type HourTally, type HourUsage, HourlyUsageRepository } from './hourly-usage.repository.js';

export const HOUR_MS = 3600_000;
/** How often a gateway's tally goes to Redis. */
export const FLUSH_INTERVAL_MS = 2000;

interface MutableTally {
  requests: Record<AuthMethod, number>;
  users: Record<AuthMethod, Set<string>>;
}

@Injectable()
export class HourlyUsageService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HourlyUsageService.name);
  /** Unflushed counts, by hour start (ms). */
  private tallies = new Map<number, MutableTally>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repository: HourlyUsageRepository) {}

  /** One admitted request: memory only (a map lookup and a set insert). */
  record(email: string, method: AuthMethod, nowMs: number): void {
    const hour = nowMs - (nowMs % HOUR_MS);
    let tally = this.tallies.get(hour);
    if (tally === undefined) {
      tally = { requests: { jwt: 0, oauth2: 0 }, users: { jwt: new Set(), oauth2: new Set() } };
      this.tallies.set(hour, tally);
    }
    tally.requests[method] += 1;
    tally.users[method].add(email);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.flush();
  }

  /** Sends this process's tally to the buckets; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  /** The last `hours` UTC hours, oldest first (the current hour last, still filling). */
  async lastHours(hours: number, nowMs: number): Promise<HourUsage[]> {
    await this.flush();
    const current = nowMs - (nowMs % HOUR_MS);
    const starts = Array.from({ length: hours }, (_, i) => current - (hours - 1 - i) * HOUR_MS);
    return this.repository.read(starts);
  }

  private async flushNow(): Promise<void> {
    if (this.tallies.size === 0) return;
    const pending = this.tallies;
    this.tallies = new Map();
    const tallies: HourTally[] = [...pending].map(([hourStartMs, t]) => ({ hourStartMs, requests: t.requests, users: t.users }));
    try {
      await this.repository.add(tallies);
    } catch (err) {
      this.logger.warn(
        `Hourly usage not recorded for ${tallies.reduce((n, t) => n + t.requests.jwt + t.requests.oauth2, 0)} requests: ${(err as Error).message}`,
      );
    }
  }
}
