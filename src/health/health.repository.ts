import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

@Injectable()
export class HealthRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /** Round-trip time of a PING in ms; throws when Redis does not answer. */
  async pingRedis(): Promise<number> {
    const started = performance.now();
    await this.redis.ping();
    return Math.round((performance.now() - started) * 100) / 100;
  }
}
