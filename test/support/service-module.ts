/**
 * The middle test tier's harness: some feature modules over the real RedisModule and a test
 * configuration, compiled by Test.createTestingModule (no HTTP server), each suite on its own key prefix.
 */
import type { DynamicModule, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { loadConfig } from '../../src/config/load-config.js';
import { RedisModule } from '../../src/redis/redis.module.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { testEnv } from './test-app.js';

export interface ServiceModule {
  readonly module: TestingModule;
  readonly config: AppConfig;
  readonly keys: RedisKeys;
  /** A plain client on the same server, for arranging and inspecting keys. */
  readonly redis: Redis;
  get<T>(token: Type<T>): T;
  close(): Promise<void>;
}

export async function startServiceModule(
  imports: Array<Type<unknown> | DynamicModule>,
  env: Record<string, string> = {},
): Promise<ServiceModule> {
  const server: TestRedis = await startTestRedis();
  const config = loadConfig(testEnv(server.url, env));
  const module = await Test.createTestingModule({ imports: [ConfigModule, RedisModule, ...imports] })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .compile();
  await module.init();
  return {
    module,
    config,
    keys: module.get(RedisKeys),
    redis: server.client(),
    get: <T>(token: Type<T>): T => module.get(token),
    close: async () => {
      await module.close();
      await server.close();
    },
  };
}
