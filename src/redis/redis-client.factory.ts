import { Logger } from '@nestjs/common';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { defineScripts, VARIABLE_KEY_SCRIPTS } from './redis-scripts.js';
import { redisTopologyOf } from './redis-topology.js';

const logger = new Logger('Redis');

/**
 * Builds the shared client. Only this function knows the topology: one node (REDIS_URL), a master
 * found through Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME) or a Cluster (REDIS_CLUSTER_NODES).
 * ioredis gives the three the same command interface, so features hold a `Redis` and never know
 * which; the credentials and TLS of REDIS_URL apply to the data nodes in every topology.
 *
 * The offline queue is off: while Redis is unreachable every command fails at once instead of
 * waiting, so auth can answer 503 quickly instead of hanging (AUTH_FAIL_MODE).
 */
export async function createRedisClient(config: AppConfig, purpose: 'shared' | 'replica-wait' = 'shared'): Promise<Redis> {
  const client = buildClient(purpose === 'shared' ? config : forReplicaWait(config));
  if (purpose === 'shared') defineScripts(client);
  let lastError = '';
  client.on('error', (err: Error) => {
    // One line per distinct failure, not one per reconnect attempt.
    if (err.message !== lastError) logger.warn(`Redis error: ${err.message}`);
    lastError = err.message;
  });
  client.on('ready', () => {
    if (lastError !== '') logger.log('Redis connection restored');
    lastError = '';
  });
  if (redisTopologyOf(config.redis).kind === 'sentinel') {
    client.on('+switch-master', () => logger.warn('Sentinel switched the Redis master: following the new one'));
  }
  try {
    await client.connect();
  } catch (err) {
    // Start anyway: /health reports the outage and auth fails closed until Redis is back.
    logger.error(`Redis not reachable at boot: ${(err as Error).message}`);
  }
  return client;
}

/**
 * A connection for SUBSCRIBE, which can run nothing else: the shared client's topology and options
 * on a socket of its own, not connected until the caller connects it, never resubscribing by itself
 * (the caller decides what a lost subscription means). A Cluster takes its options its own way.
 */
export function createSubscriber(shared: Redis, connectionName: string): Redis {
  const cluster = clusterOf(shared);
  if (cluster !== null) {
    const redisOptions = { ...cluster.options.redisOptions, connectionName, autoResubscribe: false };
    return cluster.duplicate([], { lazyConnect: true, redisOptions }) as unknown as Redis;
  }
  return shared.duplicate({ connectionName, autoResubscribe: false, lazyConnect: true });
}

/**
 * The shared client as the Cluster it is, or null on one node or Sentinel: for the few checks that
 * must look at every master (the store markers and persistence, redis-store-marker.ts).
 */
export function clusterOf(shared: Redis): Cluster | null {
  const client: unknown = shared;
  return client instanceof Cluster ? client : null;
}

/**
 * The connection that WAITs for replicas (see replica-acknowledgement.ts): WAIT holds its
 * connection until a replica answers, so it never shares the hot path's, and its commands may
 * take the wait on top of the usual timeout.
 */
function forReplicaWait(config: AppConfig): AppConfig {
  return { ...config, redis: { ...config.redis, commandTimeoutMs: config.redis.commandTimeoutMs + config.redis.replicaWaitMs } };
}

/** The timeouts and name of every connection to a data node. */
function timeoutsOf(config: AppConfig): RedisOptions {
  return { connectTimeout: config.redis.connectTimeoutMs, commandTimeout: config.redis.commandTimeoutMs, connectionName: 'llm-gateway' };
}

/** A data node's connection options when REDIS_URL names no node (Sentinel, Cluster): its credentials and TLS still apply. */
function connectionOptions(config: AppConfig): RedisOptions {
  const url = new URL(config.redis.url);
  return {
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    tls: url.protocol === 'rediss:' ? { servername: url.hostname } : undefined,
    ...timeoutsOf(config),
  };
}

const retryStrategy = (attempt: number): number => Math.min(100 * attempt, 2000);

function buildClient(config: AppConfig): Redis {
  const topology = redisTopologyOf(config.redis);
  const shared: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick share one write (many /v1 admissions at once under load).
    enableAutoPipelining: true,
  };
  switch (topology.kind) {
    case 'single':
      return new Redis(config.redis.url, { ...shared, ...timeoutsOf(config), retryStrategy });
    case 'sentinel': {
      const node = connectionOptions(config);
      return new Redis({
        ...shared,
        ...node,
        sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
        name: topology.name,
        sentinelPassword: topology.sentinelPassword,
        sentinelTLS: node.tls,
        enableTLSForSentinelMode: node.tls !== undefined,
        sentinelRetryStrategy: retryStrategy,
        retryStrategy,
        // A master demoted by a failover answers READONLY: reconnect, and Sentinel names the new one.
        reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
        failoverDetector: true,
      });
    }
    case 'cluster': {
      const options: ClusterOptions = {
        ...shared,
        clusterRetryStrategy: retryStrategy,
        redisOptions: { ...connectionOptions(config), maxRetriesPerRequest: 1 },
        // Redirections (MOVED/ASK) after a resharding are followed a few times, then the command fails.
        maxRedirections: 8,
        slotsRefreshTimeout: config.redis.connectTimeoutMs,
        // Auto-pipelining groups commands by the slot of their first argument; these scripts take
        // their key count first, so they go out on their own, routed by their keys.
        autoPipeliningIgnoredCommands: VARIABLE_KEY_SCRIPTS,
      };
      // One client type for every feature: a Cluster answers the same commands, routed by key.
      return new Cluster(
        topology.nodes.map(({ host, port }) => ({ host, port })),
        options,
      ) as unknown as Redis;
    }
  }
}
