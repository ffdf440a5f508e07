/**
 * Where Redis is, from the configuration: one node (REDIS_URL), a master found through Sentinel,
 * or a Cluster. A Cluster list wins over REDIS_URL's host; the config refuses both lists at once.
 * Only the client factory reads this: features never know which.
 */
import type { AppConfig } from '../config/app-config.js';
import type { RedisNodeAddress } from '../config/env-fields.js';

export type RedisTopology =
  | { readonly kind: 'single' }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisNodeAddress[];
      readonly name: string;
      readonly sentinelPassword: string | undefined;
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNodeAddress[] };

export function redisTopologyOf(redis: AppConfig['redis']): RedisTopology {
  if (redis.clusterNodes !== undefined) return { kind: 'cluster', nodes: redis.clusterNodes };
  if (redis.sentinels !== undefined)
    return { kind: 'sentinel', sentinels: redis.sentinels, name: redis.sentinelName ?? '', sentinelPassword: redis.sentinelPassword };
  return { kind: 'single' };
}
