/**
 * The whole request path for one e2e suite: a real redis-server, the echo upstream and the real
 * app pointed at both, plus the app's own services for minting tokens and banning users.
 */
import { ActiveUsersService } from '../../src/active-users/active-users.service.js';
import { startEchoUpstream, type EchoUpstream, type EchoUpstreamOptions } from '../../src/demo/echo-upstream.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TokensService, type CreateTokenInput, type IssuedToken } from '../../src/tokens/tokens.service.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { startTestApp, testEnv, type TestApp } from './test-app.js';

export const UPSTREAM_API_KEY = 'sk-upstream-test-key';

export interface GatewayStack {
  readonly redis: TestRedis;
  readonly upstream: EchoUpstream;
  readonly gw: TestApp;
  /** The environment the app runs with (the CLI or a second process reads the same). */
  readonly env: Record<string, string>;
  readonly tokens: TokensService;
  readonly activeUsers: ActiveUsersService;
  readonly keys: RedisKeys;
  /** Mints a token through the real TokensService, as the CLI does. */
  mint(email: string, input?: Partial<Omit<CreateTokenInput, 'email'>>): Promise<IssuedToken>;
  close(): Promise<void>;
}

export interface GatewayStackOptions {
  /** Environment variables for the app, on top of the test defaults. */
  env?: Record<string, string>;
  upstream?: EchoUpstreamOptions;
  /** Start a redis-server of the suite's own even when REDIS_URL is set (suites that stop it). */
  ownRedis?: boolean;
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const redis = await startTestRedis({ forceOwn: options.ownRedis });
  let upstream: EchoUpstream | undefined;
  try {
    upstream = await startEchoUpstream(options.upstream);
    const env = testEnv(redis.url, { UPSTREAM_URL: upstream.url, UPSTREAM_API_KEY, ...options.env });
    const gw = await startTestApp(env);
    const tokens = gw.get<TokensService>(TokensService);
    const echo = upstream;
    return {
      redis,
      upstream: echo,
      gw,
      env,
      tokens,
      activeUsers: gw.get<ActiveUsersService>(ActiveUsersService),
      keys: gw.get<RedisKeys>(RedisKeys),
      mint: (email, input = {}) => tokens.create({ createdVia: 'cli', ...input, email }),
      close: async () => {
        await gw.close();
        await echo.close();
        await redis.close();
      },
    };
  } catch (err) {
    await upstream?.close();
    await redis.close();
    throw err;
  }
}
