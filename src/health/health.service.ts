import { Injectable } from '@nestjs/common';
import type { HealthStatusDto } from './dto/health-status.dto.js';
import { HealthRepository } from './health.repository.js';

@Injectable()
export class HealthService {
  constructor(private readonly repository: HealthRepository) {}

  async check(): Promise<HealthStatusDto> {
    try {
      const latency = await this.repository.pingRedis();
      return { status: 'ok', redis: 'up', redis_latency_ms: latency };
    } catch (err) {
      return { status: 'unavailable', redis: 'down', reason: `Redis did not answer: ${(err as Error).message}` };
    }
  }
}
