/**
 * Boots the real AppModule with test configuration, wired exactly as main.ts wires it
 * (setupApp), listening on a free port. Each app gets its own Redis key prefix.
 */
import { randomBytes } from 'node:crypto';
import type { LoggerService, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module.js';
import { setupApp } from '../../src/app.setup.js';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { RedisStoreMarker } from '../../src/redis/redis-store-marker.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly config: AppConfig;
  get<T>(token: unknown): T;
  close(): Promise<void>;
}

/** Environment for a test app: pass overrides as the variables an operator would set. */
export function testEnv(redisUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: TEST_JWT_SECRET,
    UPSTREAM_URL: 'http://127.0.0.1:9',
    UPSTREAM_API_KEY: 'sk-upstream-test-key',
    LOG_LEVEL: 'error',
    PORT: '0',
    // Test redis-servers keep nothing on disk; suites about durability set it to false.
    REDIS_ALLOW_EPHEMERAL: 'true',
    ...overrides,
  };
}

export interface TestAppOptions {
  /** Receives the app's log lines (every level) instead of the console: suites that assert on logs. */
  logger?: LoggerService;
  /** Extra controllers a suite mounts beside the app's own (e.g. a page route of its own). */
  controllers?: Array<Type<unknown>>;
}

export async function startTestApp(env: Record<string, string>, options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig(env);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule], controllers: options.controllers ?? [] })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: options.logger ?? ['error'] });
  setupApp(app);
  // PORT is 0 (any free port) unless a suite needs to know it up front (PUBLIC_URL, OAuth2 callbacks).
  await app.listen(config.port, '127.0.0.1');
  const server = app.getHttpServer();
  const address = server.address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    get: <T>(token: unknown) => app.get<T>(token as never),
    // Sockets without a request in flight are closed by the app's SocketDrainService on close.
    close: () => app.close(),
  };
}

/**
 * For suites that restart their redis-server empty: confirms the reset as `npm run cli -- redis
 * confirm-reset` does (otherwise the gateway stays closed), through the app's own client once it
 * has reconnected.
 */
export async function confirmStoreReset(gw: TestApp, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await gw.get<RedisStoreMarker>(RedisStoreMarker).confirm();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
