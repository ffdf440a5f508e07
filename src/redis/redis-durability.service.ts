/**
 * Keeps the server honest about its Redis: bans and revocations live only there, so a Redis that
 * keeps nothing on disk is refused at boot (unless REDIS_ALLOW_EPHEMERAL=true), and a Redis that
 * came back empty closes the gateway until an operator confirms the reset.
 *
 * Detection: the store marker (redis-store-marker.ts) is read at boot, on every reconnect, on
 * every readiness check and every REDIS_CHECK_INTERVAL_MS. Once this process has seen a marker,
 * a missing one, or one written by a process that took the empty Redis for a fresh install,
 * means the data is gone. The hot path only reads the flag set here: no Redis round trip.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/load-config.js';
import { isRedisUnavailableError } from './redis-errors.js';
import { REDIS_CLIENT } from './redis.constants.js';
import { isConfirmation, type RedisPersistence, RedisStoreMarker } from './redis-store-marker.js';

/** What clients are told while the gateway waits for an operator (sign-in, token minting, /v1). */
export const STORE_RESET_MESSAGE =
  'The gateway is closed: its store lost its data (bans, revocations, sessions) and an operator must confirm the reset before sign-in and API calls resume';

@Injectable()
export class RedisDurabilityService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RedisDurability');
  /** The marker this process last accepted; null until it has met its Redis. */
  private knownMarker: string | null = null;
  private resetDetected = false;
  private persistence: RedisPersistence | null = null;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Told once per detection of an emptied Redis (the alerts module subscribes; redis/ imports nothing above it). */
  private readonly resetListeners: Array<(details: string) => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly marker: RedisStoreMarker,
  ) {}

  /** Redis lost its data and no operator has confirmed it: sign-in, minting and /v1 answer 503. */
  get storeResetDetected(): boolean {
    return this.resetDetected;
  }

  /** Calls `listener` with a one-line description each time this process finds that Redis lost its data. */
  onStoreReset(listener: (details: string) => void): void {
    this.resetListeners.push(listener);
  }

  /** Why the gateway is not ready because of its store's durability, or null. Fixed text, safe for anonymous callers. */
  get problem(): string | null {
    if (this.resetDetected) return 'Redis lost its data; an operator must confirm the reset';
    if (this.persistence === 'none' && !this.config.failClosed.redisAllowEphemeral) return 'Redis does not persist its data';
    return null;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Not reachable at boot: the first 'ready' does these checks (and /health reports the outage meanwhile).
    if (this.redis.status === 'ready') await this.onConnected(true);
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(() => void this.check(), this.config.failClosed.redisCheckIntervalMs).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }

  /** Reads the marker now (readiness checks call this); one check at a time, concurrent callers share it. */
  check(): Promise<void> {
    this.running ??= this.checkMarker()
      .catch((err: unknown) => {
        // Unreachable Redis is reported by readiness and by the client's own log line.
        if (!isRedisUnavailableError(err)) this.logger.warn(`Store marker check failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private readonly onReady = (): void => {
    this.onConnected(false).catch((err: unknown) => {
      if (!isRedisUnavailableError(err)) this.logger.warn(`Redis checks after reconnecting failed: ${(err as Error).message}`);
    });
  };

  /** At boot and on every (re)connection: persistence first, then the marker. */
  private async onConnected(atBoot: boolean): Promise<void> {
    await this.checkPersistence(atBoot);
    await this.check();
  }

  private async checkPersistence(atBoot: boolean): Promise<void> {
    const before = this.persistence;
    const persistence = await this.marker.persistence();
    this.persistence = persistence;
    if (persistence === before) return;
    switch (persistence) {
      case 'aof':
      case 'rdb':
        if (before === 'none') this.logger.log(`Redis persists its data again (${persistence})`);
        return;
      case 'unknown':
        this.logger.warn(
          'Cannot tell whether Redis persists its data (no AOF, and CONFIG GET save is refused); starting anyway: a Redis that comes back empty is still detected',
        );
        return;
      case 'none':
        if (this.config.failClosed.redisAllowEphemeral) {
          this.logger.log('Redis keeps nothing on disk (REDIS_ALLOW_EPHEMERAL=true): a Redis restart forgets every token, ban and session');
          return;
        }
        if (atBoot) throw new ConfigError([NOT_PERSISTENT]);
        this.logger.fatal(`${NOT_PERSISTENT}. The gateway reports not ready until it does.`);
        return;
    }
  }

  private async checkMarker(): Promise<void> {
    if (this.knownMarker === null) {
      // First meeting: an empty Redis is taken for a fresh install (nothing to lose yet).
      this.knownMarker = await this.marker.ensure();
      return;
    }
    const value = await this.marker.read();
    if (value === this.knownMarker) return;
    if (value !== null && isConfirmation(value)) {
      if (this.resetDetected) this.logger.warn('An operator confirmed the Redis reset: sign-in, token minting and /v1 resume');
      this.resetDetected = false;
      this.knownMarker = value;
      return;
    }
    if (this.resetDetected) return;
    this.resetDetected = true;
    const what = value === null ? 'the store marker is gone' : 'the store marker was replaced by one written at boot';
    for (const listener of this.resetListeners) listener(what);
    this.logger.fatal(
      `Redis lost its data (${what}): every ban, revocation and session is gone. ` +
        'Sign-in, token minting and /v1 answer 503 until an operator confirms the reset with `npm run cli -- redis confirm-reset` (docs/OPERATIONS.md).',
    );
  }
}

const NOT_PERSISTENT =
  'Redis keeps nothing on disk (no AOF, no RDB save policy): a restart would forget every ban and revocation. ' +
  'Turn on AOF (appendonly yes) or set REDIS_ALLOW_EPHEMERAL=true for a throw-away setup';
