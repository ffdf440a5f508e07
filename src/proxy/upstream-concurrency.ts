/**
 * Caps on /v1 calls in flight on this instance (UPSTREAM_MAX_CONCURRENT, and per user
 * UPSTREAM_MAX_CONCURRENT_PER_USER). A call past a cap is refused at once by the caller, never
 * queued: a queued LLM stream would wait in silence for minutes. Counts only; no timers, no Redis.
 */
export type Admission = 'ok' | 'instance_full' | 'user_full';

export class UpstreamConcurrency {
  private inFlight = 0;
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerUser: number,
  ) {}

  /** Whether any cap is configured: without one, the proxy skips this entirely. */
  get enabled(): boolean {
    return this.max > 0 || this.maxPerUser > 0;
  }

  /** Takes a slot for `user`, or says which cap is full; each 'ok' must be followed by one `release`. */
  acquire(user: string): Admission {
    if (this.max > 0 && this.inFlight >= this.max) return 'instance_full';
    if (this.maxPerUser > 0) {
      const held = this.perUser.get(user) ?? 0;
      if (held >= this.maxPerUser) return 'user_full';
      this.perUser.set(user, held + 1);
    }
    this.inFlight++;
    return 'ok';
  }

  release(user: string): void {
    this.inFlight--;
    if (this.maxPerUser > 0) {
      const held = (this.perUser.get(user) ?? 1) - 1;
      if (held > 0) this.perUser.set(user, held);
      else this.perUser.delete(user);
    }
  }

  get current(): number {
    return this.inFlight;
  }
}
