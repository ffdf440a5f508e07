import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { defineScripts } from './redis-scripts.js';

const logger = new Logger('Redis');

/**
 * Builds the shared client from REDIS_URL. Only this function knows the topology: Sentinel or
 * Cluster would be chosen here (ioredis gives both the same command interface), and no feature
 * would change.
 *
 * The offline queue is off: while Redis is unreachable every command fails at once instead of
 * waiting, so auth can answer 503 quickly instead of hanging (AUTH_FAIL_MODE).
 */
export async function createRedisClient(config: AppConfig): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: config.redis.connectTimeoutMs,
    commandTimeout: config.redis.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    connectionName: 'llm-gateway',
    // Commands issued in the same tick share one write (many /v1 admissions at once under load).
    enableAutoPipelining: true,
  };
  const client = new Redis(config.redis.url, options);
  defineScripts(client);
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
  try {
    await client.connect();
  } catch (err) {
    // Start anyway: /health reports the outage and auth fails closed until Redis is back.
    logger.error(`Redis not reachable at boot: ${(err as Error).message}`);
  }
  return client;
}
