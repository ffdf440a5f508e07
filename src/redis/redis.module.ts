/**
 * The one shared Redis client, the key schema, the store marker, replica acknowledgements and the
 * registry of key owners and the index sweep (for the cleanup) and pub/sub channel subscriptions,
 * available to every feature.
 */
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { createRedisClient } from './redis-client.factory.js';
import { REDIS_CLIENT } from './redis.constants.js';
import { ChannelSubscriptions } from './channel-subscription.js';
import { EndedEntriesRegistry } from './ended-entries.js';
import { IndexSweep } from './index-sweep.js';
import { RedisKeys } from './redis-keys.js';
import { RedisStoreMarker } from './redis-store-marker.js';
import { ReplicaAcknowledgement } from './replica-acknowledgement.js';

@Global()
@Module({
  providers: [
    { provide: REDIS_CLIENT, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedisClient(config) },
    { provide: RedisKeys, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new RedisKeys(config.redis.keyPrefix) },
    RedisStoreMarker,
    ReplicaAcknowledgement,
    EndedEntriesRegistry,
    IndexSweep,
    ChannelSubscriptions,
  ],
  exports: [REDIS_CLIENT, RedisKeys, RedisStoreMarker, ReplicaAcknowledgement, EndedEntriesRegistry, IndexSweep, ChannelSubscriptions],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
