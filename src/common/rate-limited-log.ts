/**
 * Log lines that a flood could multiply (refused requests, failed best-effort writes) go through
 * a token bucket per key: at most `perSecond` lines a second per key, after a burst of `burst`;
 * past that they are counted, and one summary line (at most one a second) says how many were left out. A flood
 * then costs a few lines a second, never a full disk.
 */
import type { LoggerService } from '@nestjs/common';

export type RateLimitedLevel = 'warn' | 'error' | 'fatal';
/** A text, or an object whose fields become the structured line's (src/logging). */
export type LogLine = string | Record<string, unknown>;

interface Bucket {
  tokens: number;
  refilledAt: number;
  suppressed: number;
  level: RateLimitedLevel;
  timer: NodeJS.Timeout | undefined;
}

/** Summaries come at most once a second per key, or once per line's worth of rate when slower. */
const MIN_SUMMARY_EVERY_MS = 1000;

export class RateLimitedLog {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param logger where lines go (a Nest Logger with its context)
   * @param perSecond lines a second per key (may be below 1: 0.1 is one line every 10 s)
   * @param summary the line that reports `suppressed` lines left out under `key`
   * @param burst lines written at once before the rate applies (default: a second's worth, at least 1)
   */
  constructor(
    private readonly logger: Pick<LoggerService, RateLimitedLevel>,
    private readonly perSecond: number,
    private readonly summary: (key: string, suppressed: number) => LogLine,
    private readonly burst: number = Math.max(1, perSecond),
  ) {}

  /** Writes `line()` unless the key's bucket is empty; then counts it. The line is built only when written. */
  write(key: string, level: RateLimitedLevel, line: () => LogLine): void {
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, refilledAt: now, suppressed: 0, level, timer: undefined };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * this.perSecond);
      bucket.refilledAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.logger[level]?.(line());
      return;
    }
    bucket.suppressed += 1;
    bucket.level = level;
    bucket.timer ??= setTimeout(() => this.summarise(key), Math.max(MIN_SUMMARY_EVERY_MS, 1000 / this.perSecond)).unref();
  }

  /** Writes the pending summaries now (at shutdown). */
  flush(): void {
    for (const key of this.buckets.keys()) this.summarise(key);
  }

  private summarise(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    clearTimeout(bucket.timer);
    bucket.timer = undefined;
    if (bucket.suppressed === 0) return;
    const suppressed = bucket.suppressed;
    bucket.suppressed = 0;
    this.logger[bucket.level]?.(this.summary(key, suppressed));
  }
}
