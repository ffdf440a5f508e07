/**
 * Owns /health, /health/ready and /health/live: is the gateway able to serve (Redis reachable,
 * writable, durable; the upstream reachable when asked), and is the process alive. Built on @nestjs/terminus.
 */
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { HealthRepository } from './health.repository.js';
import { HealthService } from './health.service.js';
import { RedisHealthIndicator } from './redis.health-indicator.js';
import { UpstreamHealthIndicator } from './upstream.health-indicator.js';

@Module({
  // terminus's own logger would write an error line per failed probe; the indicators log, rate-limited.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthService, HealthRepository, RedisHealthIndicator, UpstreamHealthIndicator],
})
export class HealthModule {}
