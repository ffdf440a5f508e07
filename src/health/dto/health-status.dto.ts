export class HealthStatusDto {
  /** "ok" when every dependency answers, "unavailable" otherwise. */
  status: 'ok' | 'unavailable';
  /** "up" or "down". */
  redis: 'up' | 'down';
  /** Round-trip time of a Redis PING in milliseconds, when up. */
  redis_latency_ms?: number;
  /** Why a dependency is down. */
  reason?: string;
}
