/**
 * Keeps the server honest about its Redis: bans and revocations live only there, so a Redis that
 * keeps nothing on disk is refused at boot (unless REDIS_ALLOW_EPHEMERAL=true), and a Redis that
 * came back empty closes the gateway until an operator confirms the reset.
 *
 * Detection: the store marker (redis-store-marker.ts; one per master on a Cluster) is read at
 * boot, on every reconnect, on every readiness check and every REDIS_CHECK_INTERVAL_MS. Once this
 * process has seen a marker, a missing one, or one written by a process that took the empty Redis
 * (or master) for a fresh install, means the data is gone. The hot path only reads the flag set
 * here: no Redis round trip.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/load-config.js';
import { isRedisUnavailableError } from './redis-errors.js';
import { REDIS_CLIENT } from './redis.constants.js';
import {
  compareMarkers,
  type NodePersistence,
  type RedisPersistence,
  RedisStoreMarker,
  type StoreMarkerReading,
  weakestPersistence,
} from './redis-store-marker.js';

/** What clients are told while the gateway waits for an operator (sign-in, token minting, /v1). */
export const STORE_RESET_MESSAGE =
  'The gateway is closed: its store lost its data (bans, revocations, sessions) and an operator must confirm the reset before sign-in and API calls resume';

@Injectable()
export class RedisDurabilityService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RedisDurability');
  /** The markers this process last accepted, by key; null until it has met its Redis. */
  private knownMarkers: Map<string, string> | null = null;
  private resetDetected = false;
  private persistence: RedisPersistence | null = null;
  /** The persistence last reported, with the nodes that have it on a Cluster: a change is logged once. */
  private persistenceReported = '';
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
    const nodes = await this.marker.persistenceByNode();
    const persistence = weakestPersistence(nodes);
    const where = nodesWith(persistence, nodes);
    this.persistence = persistence;
    if (`${persistence}${where}` === this.persistenceReported) return;
    this.persistenceReported = `${persistence}${where}`;
    switch (persistence) {
      case 'aof':
      case 'rdb':
        if (before === 'none') this.logger.log(`Redis persists its data again (${persistence})`);
        return;
      case 'unknown':
        this.logger.warn(
          `Cannot tell whether Redis persists its data${where} (no AOF, and CONFIG GET save is refused); starting anyway: a Redis that comes back empty is still detected`,
        );
        return;
      case 'none': {
        if (this.config.failClosed.redisAllowEphemeral) {
          this.logger.log(
            `Redis keeps nothing on disk${where} (REDIS_ALLOW_EPHEMERAL=true): a Redis restart forgets every token, ban and session`,
          );
          return;
        }
        const message = notPersistent(where);
        if (atBoot) throw new ConfigError([message]);
        this.logger.fatal(`${message}. The gateway reports not ready until it does.`);
        return;
      }
    }
  }

  private async checkMarker(): Promise<void> {
    if (this.knownMarkers === null) {
      // First meeting: an empty Redis is taken for a fresh install (nothing to lose yet).
      this.knownMarkers = valuesOf(await this.marker.ensure());
      return;
    }
    const found = compareMarkers(this.knownMarkers, await this.marker.read());
    // A Cluster master whose slots changed has its marker under a key this process never met: written now.
    const written = found.unmet.length === 0 ? [] : await this.marker.ensure(found.unmet);
    this.knownMarkers = new Map([...found.accepted, ...valuesOf(written)]);
    if (found.lost.length === 0) {
      if (found.confirmed && this.resetDetected) {
        this.logger.warn('An operator confirmed the Redis reset: sign-in, token minting and /v1 resume');
      }
      if (found.confirmed) this.resetDetected = false;
      return;
    }
    if (this.resetDetected) return;
    this.resetDetected = true;
    const what = found.lost.map(describeLoss).join('; ');
    for (const listener of this.resetListeners) listener(what);
    this.logger.fatal(
      `Redis lost its data (${what}): every ban, revocation and session is gone. ` +
        'Sign-in, token minting and /v1 answer 503 until an operator confirms the reset with `npm run cli -- redis confirm-reset` (docs/OPERATIONS.md).',
    );
  }
}

function valuesOf(readings: readonly StoreMarkerReading[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const { key, value } of readings) if (value !== null) values.set(key, value);
  return values;
}

/** `the store marker is gone`; on a Cluster, which master's: `the store marker of the master at host:port is gone`. */
function describeLoss(lost: StoreMarkerReading): string {
  const whose = lost.node === null ? 'the store marker' : `the store marker of the master at ${lost.node}`;
  return `${whose} ${lost.value === null ? 'is gone' : 'was replaced by one written at boot'}`;
}

/** On a Cluster, ` at host:port, host:port`: the masters with that persistence; nothing on one node or Sentinel. */
function nodesWith(persistence: RedisPersistence, nodes: readonly NodePersistence[]): string {
  const addresses = nodes.flatMap((n) => (n.node !== null && n.persistence === persistence ? [n.node] : []));
  return addresses.length === 0 ? '' : ` at ${addresses.sort().join(', ')}`;
}

function notPersistent(where: string): string {
  return (
    `Redis keeps nothing on disk${where} (no AOF, no RDB save policy): a restart would forget every ban and revocation. ` +
    'Turn on AOF (appendonly yes) or set REDIS_ALLOW_EPHEMERAL=true for a throw-away setup'
  );
}
