/**
 * The JWT activity of admitted calls (the person's last access, request count and last token name,
 * each token's last_used_at, the activity indexes), written behind rather than in the admission:
 * each call adds to this process's tally in memory, and the tally goes to Redis once a second
 * (FLUSH_INTERVAL_MS), one script per user (activity-flush.lua.ts) plus one write per index, so a
 * user is written at most once a second by each gateway whatever their call rate. Flushed when the
 * gateway stops too; calls admitted after that are written at once. Best effort: a failed flush is
 * counted and logged, its activity dropped, and no call is ever refused for it.
 * What the admin pages show lags the calls by at most about a second.
 */
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ActiveUsersRepository, type TokenActivity } from './active-users.repository.js';

/** How often the tally goes to Redis: the admin pages' lag, and the most often a user is written. */
export const ACTIVITY_FLUSH_INTERVAL_MS = 1000;

interface MutableActivity {
  firstMs: number;
  lastMs: number;
  count: number;
  lastTokenName: string;
  /** token id -> last use (ms) */
  tokens: Map<string, number>;
}

@Injectable()
export class ActivityWriteBehind implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private pending = new Map<string, MutableActivity>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** After the shutdown flush: each call is written at once (nothing would flush it later). */
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ActiveUsersRepository,
  ) {}

  /** One admitted JWT call: memory only. */
  record(email: string, tokenId: string, tokenName: string, nowMs: number): void {
    let activity = this.pending.get(email);
    if (activity === undefined) {
      activity = { firstMs: nowMs, lastMs: nowMs, count: 0, lastTokenName: tokenName, tokens: new Map() };
      this.pending.set(email, activity);
    }
    activity.count += 1;
    if (nowMs >= activity.lastMs) {
      activity.lastMs = nowMs;
      activity.lastTokenName = tokenName;
    }
    const used = activity.tokens.get(tokenId);
    if (used === undefined || nowMs > used) activity.tokens.set(tokenId, nowMs);
    if (this.closing) void this.flush();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), ACTIVITY_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.closing = true;
    await this.flush();
  }

  /** Sends the tally to Redis; flushes never overlap. Never rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch: TokenActivity[] = [];
    for (const [email, a] of this.pending) {
      batch.push({ email, firstMs: a.firstMs, lastMs: a.lastMs, count: a.count, lastTokenName: a.lastTokenName, tokens: [...a.tokens] });
    }
    this.pending = new Map();
    // The repository counts and logs what failed; activity is never worth failing a call or a timer.
    await this.repository.writeTokenActivity(batch, this.config.activeUserTtlSeconds).catch(() => undefined);
  }
}
