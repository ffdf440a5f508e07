/**
 * The readiness check of Redis, as a terminus indicator: up when Redis answers, takes a write,
 * persists its data (unless REDIS_ALLOW_EPHEMERAL) and still holds the gateway's data. A "down"
 * says which in fixed words: callers are anonymous, so never the client's error text.
 */
import { Injectable, Logger } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RateLimitedLog } from '../common/rate-limited-log.js';
import { RedisDurabilityService } from '../redis/redis-durability.service.js';
import { classifyRedisError } from '../redis/redis-errors.js';
import { HealthRepository } from './health.repository.js';

const REASONS = {
  unavailable: 'Redis does not answer',
  'refusing-writes': 'Redis refuses writes',
  other: 'Redis answered with an error',
} as const;

@Injectable()
export class RedisHealthIndicator {
  private readonly logger = new Logger('Health');
  /** Probes run as often as a load balancer likes; their failures are logged a few times a minute. */
  private readonly failures = new RateLimitedLog(
    this.logger,
    0.1,
    (kind, suppressed) => `Readiness: ${suppressed} more failed Redis probes (${kind})`,
  );

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
    private readonly durability: RedisDurabilityService,
  ) {}

  /** Never throws: a failure is a "down" result with its fixed reason. */
  async check<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    let latency: number;
    try {
      [latency] = await Promise.all([this.repository.probeWrite(), this.durability.check()]);
    } catch (err) {
      const kind = classifyRedisError(err);
      this.failures.write(kind, 'warn', () => `Readiness: Redis probe failed (${kind}): ${(err as Error)?.message}`);
      return indicator.down({ reason: REASONS[kind] });
    }
    const problem = this.durability.problem;
    if (problem !== null) return indicator.down({ reason: problem });
    return indicator.up({ latency_ms: latency });
  }
}
