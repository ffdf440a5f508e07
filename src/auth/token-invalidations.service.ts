/**
 * Keeps the verified-token cache honest across replicas. The revoke, rotate and ban scripts PUBLISH
 * the user's email on one channel (RedisKeys.tokenInvalidations); this service listens on a
 * connection of its own and drops that user's cached admissions. The cache is used only while the
 * subscription is confirmed: a connection that closes, errs or reconnects empties it and turns it
 * off until SUBSCRIBE has been answered again (fail closed: reads go to Redis meanwhile). A
 * connection can also die without closing (a network partition TCP has not noticed): the
 * subscriber PINGs every HEARTBEAT_MS, and a PING still unanswered at the next beat turns the
 * cache off until a reply comes (replies come in order after every message published before
 * them, so nothing published meanwhile is missed). So a revocation whose message cannot arrive
 * stops being served from the cache within about 2 x HEARTBEAT_MS.
 * With TOKEN_CACHE_TTL_MS=0 no connection is opened and the cache is never used.
 * docs/ARCHITECTURE.md ("Verified-token cache") says why pub/sub rather than client tracking.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TokenAdmissionCache } from '../tokens/token-admission-cache.js';
import { createSubscriber } from '../redis/redis-client.factory.js';

/** How often the subscriber proves its connection alive. */
export const HEARTBEAT_MS = 500;

@Injectable()
export class TokenInvalidations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenInvalidations.name);
  private subscriber: Redis | undefined;
  private readonly channel: string;
  private lastError = '';
  private stopped = false;
  /** SUBSCRIBE answered on the current connection. */
  private subscribed = false;
  /** A heartbeat PING went unanswered for a beat: the cache stays off until a reply. */
  private stalled = false;
  private pingPending = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    keys: RedisKeys,
    readonly cache: TokenAdmissionCache,
  ) {
    this.channel = keys.tokenInvalidations();
  }

  onApplicationBootstrap(): void {
    if (this.cache.ttlMs <= 0) return;
    const subscriber = createSubscriber(this.redis, 'llm-gateway-invalidations');
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, email: string) => {
      if (channel === this.channel) this.cache.invalidateUser(email);
    });
    subscriber.on('error', (err: Error) => {
      this.lose(`error: ${err.message}`);
      // An error on a connection that stays up (no reconnect follows): subscribe again to turn the cache back on.
      if (subscriber.status === 'ready') this.subscribe(subscriber);
    });
    subscriber.on('close', () => this.lose('connection closed'));
    subscriber.on('ready', () => this.subscribe(subscriber));
    subscriber.connect().catch((err: Error) => this.lose(`not connected: ${err.message}`));
    this.heartbeat = setInterval(() => this.beat(subscriber), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.cache.suspend();
    const subscriber = this.subscriber;
    if (subscriber === undefined || subscriber.status === 'end') return;
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }

  private subscribe(subscriber: Redis): void {
    subscriber.subscribe(this.channel).then(
      () => {
        if (this.stopped || subscriber.status !== 'ready') return;
        this.subscribed = true;
        if (!this.stalled) this.cache.resume();
        if (this.lastError !== '') this.logger.log('Token invalidations subscribed again: verified-token cache on');
        this.lastError = '';
      },
      (err: Error) => this.lose(`subscribe failed: ${err.message}`),
    );
  }

  /** One heartbeat: a PING still unanswered from the last beat turns the cache off until it is answered. */
  private beat(subscriber: Redis): void {
    if (!this.subscribed) return;
    if (this.pingPending) {
      if (!this.stalled) this.logger.warn('Token invalidations: the subscriber connection does not answer; verified-token cache off');
      this.stalled = true;
      this.cache.suspend();
      return;
    }
    this.pingPending = true;
    subscriber.ping().then(
      () => {
        this.pingPending = false;
        if (!this.stalled || !this.subscribed || this.stopped) return;
        this.stalled = false;
        this.cache.resume();
        this.logger.log('Token invalidations: the subscriber connection answers again; verified-token cache on');
      },
      () => {
        // A timed-out or failed PING: off until a later one is answered (or the connection is replaced).
        this.pingPending = false;
        this.stalled = true;
        this.cache.suspend();
      },
    );
  }

  /** Fail closed: the cache empties and stays off until the subscription is confirmed again. */
  private lose(why: string): void {
    this.subscribed = false;
    this.pingPending = false;
    this.stalled = false;
    this.cache.suspend();
    if (this.stopped || why === this.lastError) return;
    this.lastError = why;
    this.logger.warn(`Token invalidations ${why}: verified-token cache off, every call reads Redis`);
  }
}
