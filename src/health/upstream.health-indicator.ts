/**
 * The readiness check of the LLM upstream (READY_CHECKS_UPSTREAM=true): a HEAD request to
 * UPSTREAM_URL, without credentials. Any HTTP answer, whatever its status, means the upstream is
 * reachable; a connection error or no answer within the timeout means it is not.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RateLimitedLog } from '../common/rate-limited-log.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Well inside the probe timeouts of deploy/kubernetes (3 s), with Redis checked in parallel. */
export const UPSTREAM_PROBE_TIMEOUT_MS = 2000;
const DOWN_REASON = 'The upstream does not answer';

@Injectable()
export class UpstreamHealthIndicator {
  private readonly logger = new Logger('Health');
  private readonly failures = new RateLimitedLog(
    this.logger,
    0.1,
    (_key, suppressed) => `Readiness: ${suppressed} more failed upstream probes`,
  );

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Never throws: no answer is a "down" result with a fixed reason (the error text stays in the log). */
  async check<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    const started = performance.now();
    try {
      const res = await fetch(this.config.upstream.url, {
        method: 'HEAD',
        redirect: 'manual',
        signal: AbortSignal.timeout(UPSTREAM_PROBE_TIMEOUT_MS),
      });
      await res.body?.cancel();
    } catch (err) {
      const why = (err as Error)?.name === 'TimeoutError' ? `no answer within ${UPSTREAM_PROBE_TIMEOUT_MS} ms` : describe(err);
      this.failures.write('upstream', 'warn', () => `Readiness: upstream probe failed: ${why}`);
      return indicator.down({ reason: DOWN_REASON });
    }
    return indicator.up({ latency_ms: Math.round((performance.now() - started) * 100) / 100 });
  }
}

/** fetch() hides the socket error in `cause` ("fetch failed" alone says nothing). */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
