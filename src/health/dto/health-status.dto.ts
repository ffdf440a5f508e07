export class HealthStatusDto {
  /** "ok" when every dependency answers, "unavailable" otherwise. */
  status: 'ok' | 'unavailable';
  /** "up", or "down" when Redis cannot serve the gateway (unreachable, refusing writes, not persisting, or reset). */
  redis: 'up' | 'down';
  /** Round-trip time of a small Redis write in milliseconds, when up. */
  redis_latency_ms?: number;
  /** Why Redis is down, in fixed words (never the client's error text). */
  reason?: string;
}
