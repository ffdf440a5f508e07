import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config/load-config.js';
import { redisTopologyOf, type RedisTopology } from './redis-topology.js';

const topologyOf = (env: Record<string, string>): RedisTopology =>
  redisTopologyOf(loadConfig({ JWT_SECRET: 'a-perfectly-random-secret-of-more-than-32-bytes', ...env }).redis);

describe('redisTopologyOf', () => {
  it('reads the Redis topology: one node by default, a Cluster or a Sentinel-watched master from their node lists', () => {
    expect(topologyOf({})).toEqual({ kind: 'single' });
    expect(topologyOf({ REDIS_CLUSTER_NODES: 'redis-0:6379, 10.0.0.2:7000,[::1]:7001' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-0', port: 6379 },
        { host: '10.0.0.2', port: 7000 },
        { host: '::1', port: 7001 },
      ],
    });
    expect(topologyOf({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'gateway' })).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'gateway',
      sentinelPassword: undefined,
    });
    expect(loadConfig({ JWT_SECRET: 'a-perfectly-random-secret-of-more-than-32-bytes' }).redis.replicaWaitMs).toBe(500);
  });
});
