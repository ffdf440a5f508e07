/**
 * Readiness: the gateway can serve when Redis answers, takes writes, persists its data (unless
 * REDIS_ALLOW_EPHEMERAL) and has not lost it. Callers are anonymous, so the answer says which of
 * these failed in fixed words, never the Redis client's error text (addresses, key names).
 */
import { Injectable, Logger } from '@nestjs/common';
import { RateLimitedLog } from '../common/rate-limited-log.js';
import { RedisDurabilityService } from '../redis/redis-durability.service.js';
import { classifyRedisError } from '../redis/redis-errors.js';
import type { HealthStatusDto } from './dto/health-status.dto.js';
import { HealthRepository } from './health.repository.js';

const REASONS = {
  unavailable: 'Redis does not answer',
  'refusing-writes': 'Redis refuses writes',
  other: 'Redis answered with an error',
} as const;

@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');
  /** Probes run as often as a load balancer likes; their failures are logged a few times a minute. */
  private readonly failures = new RateLimitedLog(this.logger, 0.1, (kind, suppressed) => `Readiness: ${suppressed} more failed Redis probes (${kind})`);

  constructor(
    private readonly repository: HealthRepository,
    private readonly durability: RedisDurabilityService,
  ) {}

  async check(): Promise<HealthStatusDto> {
    let latency: number;
    try {
      [latency] = await Promise.all([this.repository.probeWrite(), this.durability.check()]);
    } catch (err) {
      const kind = classifyRedisError(err);
      this.failures.write(kind, 'warn', () => `Readiness: Redis probe failed (${kind}): ${(err as Error)?.message}`);
      return { status: 'unavailable', redis: 'down', reason: REASONS[kind] };
    }
    const problem = this.durability.problem;
    if (problem !== null) return { status: 'unavailable', redis: 'down', reason: problem };
    return { status: 'ok', redis: 'up', redis_latency_ms: latency };
  }
}
