export class HealthStatusDto {
  /** "ok" when every check is up, "unavailable" otherwise (or while the gateway shuts down). */
  status: 'ok' | 'unavailable';
  /** "up", or "down" when Redis cannot serve the gateway (unreachable, refusing writes, not persisting, or reset). */
  redis: 'up' | 'down';
  /** Round-trip time of a small Redis write in milliseconds, when up. */
  redis_latency_ms?: number;
  /** Present only with READY_CHECKS_UPSTREAM=true: "up" when UPSTREAM_URL gave any HTTP answer in time. */
  upstream?: 'up' | 'down';
  /** Why the gateway is not ready, in fixed words (never an error's text); several reasons are joined by "; ". */
  reason?: string;
}
