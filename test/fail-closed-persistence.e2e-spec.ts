/**
 * Bans and revocations live only in Redis, so the gateway refuses to start against a Redis that
 * keeps nothing on disk, unless REDIS_ALLOW_EPHEMERAL=true says that is intended (demo, tests).
 * It starts against AOF, and against a Redis whose CONFIG is disabled (managed Redis: the save
 * policy cannot be read) with a warning. A Redis that loses its persistence while the gateway runs
 * makes readiness fail. Runs the built entry point (dist/main.js), as an operator would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort } from '../src/demo/local-redis.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const WITHIN_MS = 20_000;

interface Gateway {
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly process: ChildProcess;
}

function spawnGateway(env: Record<string, string>, port: number): Gateway {
  const { PATH, HOME } = process.env;
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { PATH, HOME, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    process: child,
  };
}

/** Resolves with the /health status once the gateway answers, or with 'exited' if it stops first. */
async function firstAnswer(gateway: Gateway): Promise<number | 'exited'> {
  let exited = false;
  void gateway.exited.then(() => (exited = true));
  const deadline = Date.now() + WITHIN_MS;
  while (Date.now() < deadline) {
    if (exited) return 'exited';
    const status = await fetch(`${gateway.url}/health`).then(
      (res) => res.status,
      () => null,
    );
    if (status !== null) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway neither answered nor exited:\n${gateway.output()}`);
}

describe('Redis persistence at boot', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function redisWith(options: Parameters<typeof startTestRedis>[0]): Promise<TestRedis> {
    const redis = await startTestRedis(options);
    cleanups.push(() => redis.close());
    return redis;
  }
  function gatewayOn(redis: TestRedis, port: number, overrides: Record<string, string> = {}): Gateway {
    const gateway = spawnGateway(testEnv(redis.url, { REDIS_ALLOW_EPHEMERAL: 'false', ...overrides }), port);
    cleanups.push(async () => {
      if (gateway.process.exitCode === null && gateway.process.signalCode === null) gateway.process.kill('SIGKILL');
      await gateway.exited;
    });
    return gateway;
  }

  it('refuses to start against a Redis that keeps nothing on disk, naming REDIS_ALLOW_EPHEMERAL', async () => {
    const redis = await redisWith({ forceOwn: true });
    const gateway = gatewayOn(redis, await freePort());
    expect(await firstAnswer(gateway)).toBe('exited');
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain('Redis keeps nothing on disk');
    expect(gateway.output()).toContain('REDIS_ALLOW_EPHEMERAL=true');
  });

  it('starts against the same Redis when REDIS_ALLOW_EPHEMERAL=true', async () => {
    const redis = await redisWith({ forceOwn: true });
    expect(await firstAnswer(gatewayOn(redis, await freePort(), { REDIS_ALLOW_EPHEMERAL: 'true' }))).toBe(200);
  });

  it('starts against a Redis with AOF', async () => {
    const redis = await redisWith({ aof: true });
    expect(await firstAnswer(gatewayOn(redis, await freePort()))).toBe(200);
  });

  it('starts with a warning when CONFIG is disabled and the save policy cannot be read (managed Redis)', async () => {
    const redis = await redisWith({ serverArgs: ['--rename-command', 'CONFIG', ''] });
    const gateway = gatewayOn(redis, await freePort());
    expect(await firstAnswer(gateway)).toBe(200);
    expect(gateway.output()).toContain('Cannot tell whether Redis persists its data');
  });
});

describe('Redis persistence on reconnect', () => {
  let redis: TestRedis;
  let gw: TestApp;

  afterEach(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('fails readiness when Redis comes back without persistence, and passes again once it has it', async () => {
    redis = await startTestRedis({ aof: true });
    gw = await startTestApp(testEnv(redis.url, { REDIS_ALLOW_EPHEMERAL: 'false' }));
    const health = async (): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`${gw.url}/health`);
      return { status: res.status, body: await res.json() };
    };
    const healthBecomes = async (status: number, reason?: string): Promise<void> => {
      const deadline = Date.now() + WITHIN_MS;
      for (;;) {
        const now = await health();
        if (now.status === status && (now.body as { reason?: string }).reason === reason) return;
        if (Date.now() > deadline) throw new Error(`readiness stayed ${JSON.stringify(now)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    expect((await health()).status).toBe(200);

    // Persistence turned off, then the gateway's connection dropped: it checks again on reconnecting.
    const admin = redis.client();
    await admin.config('SET', 'appendonly', 'no');
    await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes');
    await healthBecomes(503, 'Redis does not persist its data');
    expect(await health()).toEqual({
      status: 503,
      body: { status: 'unavailable', redis: 'down', reason: 'Redis does not persist its data' },
    });

    await admin.config('SET', 'appendonly', 'yes');
    await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes');
    await healthBecomes(200);
  });
});
