import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';

/** The probe key lives a minute: enough to be overwritten by the next check, never left behind. */
const PROBE_TTL_MS = 60_000;

@Injectable()
export class HealthRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Round-trip time of a small write in ms. Throws when Redis does not answer, and when it answers
   * but refuses writes (full under noeviction, read-only): a PING would say "up" to both.
   */
  async probeWrite(): Promise<number> {
    const started = performance.now();
    await this.redis.set(this.keys.healthProbe(), String(Date.now()), 'PX', PROBE_TTL_MS);
    return Math.round((performance.now() - started) * 100) / 100;
  }
}
