/**
 * Keeps the verified-token cache honest across replicas. The revoke, rotate and ban scripts PUBLISH
 * the user's email on one channel (RedisKeys.tokenInvalidations); this service listens on a
 * connection of its own (src/redis/channel-subscription.ts) and drops that user's cached
 * admissions. The cache is used only while the subscription is live: a connection that closes,
 * errs, reconnects or stops answering its heartbeat empties it and turns it off until the
 * subscription is confirmed again (fail closed: reads go to Redis meanwhile), so a revocation
 * whose message cannot arrive stops being served from the cache within about 2 x HEARTBEAT_MS.
 * With TOKEN_CACHE_TTL_MS=0 no connection is opened and the cache is never used.
 * docs/ARCHITECTURE.md ("Verified-token cache") says why pub/sub rather than client tracking.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ChannelSubscription, ChannelSubscriptions } from '../redis/channel-subscription.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TokenAdmissionCache } from '../tokens/token-admission-cache.js';

@Injectable()
export class TokenInvalidations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenInvalidations.name);
  private subscription: ChannelSubscription | undefined;

  constructor(
    private readonly subscriptions: ChannelSubscriptions,
    private readonly keys: RedisKeys,
    readonly cache: TokenAdmissionCache,
  ) {}

  onApplicationBootstrap(): void {
    if (this.cache.ttlMs <= 0) return;
    const cache = this.cache;
    this.subscription = this.subscriptions.open(
      {
        channel: this.keys.tokenInvalidations(),
        connectionName: 'llm-gateway-invalidations',
        label: 'Token invalidations',
        what: 'verified-token cache',
        whenDown: 'every call reads Redis',
        logger: this.logger,
      },
      {
        onMessage: (email) => cache.invalidateUser(email),
        onLive: () => cache.resume(),
        onDown: () => cache.suspend(),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.cache.suspend();
    await this.subscription?.close();
  }
}
