/**
 * The production image installs `dependencies` only (docker/Dockerfile: npm ci --omit=dev). What
 * serves only the demo and the tests (oidc-provider, the local Auth0 stand-in) is a devDependency,
 * and the production entry point (dist/main.js) starts without it: run under a loader hook that
 * refuses to resolve it. Needs `nest build`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../src/demo/local-redis.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { testEnv } from './support/test-app.js';

const HOOK = './test/support/forbid-demo-modules.mjs';

describe('production dependencies', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('lists oidc-provider among the devDependencies only', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies)).not.toContain('oidc-provider');
    expect(Object.keys(pkg.devDependencies)).toContain('oidc-provider');
  });

  it('the loader hook does refuse oidc-provider (so the next test can fail)', () => {
    const run = spawnSync(process.execPath, ['--import', HOOK, '--input-type=module', '-e', "await import('oidc-provider')"], {
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('the production entry point imported oidc-provider');
  });

  it('starts dist/main.js and answers /health/live without ever importing oidc-provider', async () => {
    const port = await freePort();
    const { PATH, HOME } = process.env;
    const child = spawn(process.execPath, ['--import', HOOK, 'dist/main.js'], {
      env: { PATH, HOME, ...testEnv(redis.url), PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 20_000;
      let status: number | null = null;
      while (status === null && child.exitCode === null && Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.status,
          () => null,
        );
        if (status === null) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (status === null) throw new Error(`dist/main.js did not answer:\n${output}`);
      expect(status).toBe(200);
      expect(output).not.toContain('oidc-provider');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
