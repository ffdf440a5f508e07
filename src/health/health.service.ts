/**
 * Readiness through @nestjs/terminus: the checks run in parallel (Redis always, the upstream when
 * READY_CHECKS_UPSTREAM=true), and terminus's result becomes the gateway's compact answer, the
 * same for every caller: up or down per check, and why in fixed words.
 */
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { HealthStatusDto } from './dto/health-status.dto.js';
import type { LivenessDto } from './dto/liveness.dto.js';
import { RedisHealthIndicator } from './redis.health-indicator.js';
import { UpstreamHealthIndicator } from './upstream.health-indicator.js';

const SHUTTING_DOWN = 'The gateway is shutting down';

@Injectable()
export class HealthService {
  private readonly checks: HealthIndicatorFunction[];

  constructor(
    private readonly health: HealthCheckService,
    redis: RedisHealthIndicator,
    upstream: UpstreamHealthIndicator,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.checks = [() => redis.check('redis')];
    if (config.observability.readyChecksUpstream) this.checks.push(() => upstream.check('upstream'));
  }

  async readiness(): Promise<HealthStatusDto> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check(this.checks);
    } catch (err) {
      // terminus answers "not ready" (a check down, or the app shutting down) by throwing the result.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      result = err.getResponse() as HealthCheckResult;
    }
    return toStatus(result);
  }

  /** The process answers: no dependency is touched, so a Redis outage never gets a replica restarted. */
  liveness(): LivenessDto {
    return { status: 'ok', uptime_seconds: Math.floor(process.uptime()) };
  }
}

function toStatus(result: HealthCheckResult): HealthStatusDto {
  const details = result.details ?? {};
  const redis = details.redis;
  const upstream = details.upstream;
  const reasons: string[] = [];
  if (result.status === 'shutting_down') reasons.push(SHUTTING_DOWN);
  for (const check of [redis, upstream]) {
    if (check?.status === 'down' && typeof check.reason === 'string') reasons.push(check.reason);
  }
  const ready = result.status === 'ok' && reasons.length === 0;
  const status: HealthStatusDto = { status: ready ? 'ok' : 'unavailable', redis: redis?.status === 'up' ? 'up' : 'down' };
  if (redis?.status === 'up' && typeof redis.latency_ms === 'number') status.redis_latency_ms = redis.latency_ms;
  if (upstream !== undefined) status.upstream = upstream.status === 'up' ? 'up' : 'down';
  if (reasons.length > 0) status.reason = reasons.join('; ');
  return status;
}
