/**
 * LOG_LEVEL and LOG_FORMAT as an operator sets them, on the production build (dist/main.js): the
 * level drops the lines below it (the access lines are info), and LOG_FORMAT=pretty prints the same
 * lines for a terminal, one readable line each, still without secrets. Needs `nest build`.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../src/demo/local-redis.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { testEnv } from './support/test-app.js';

interface Run {
  readonly stdout: string;
}

/** Starts the gateway, makes one REST call with a secret-looking Bearer, stops it and returns what it printed. */
async function runWith(redis: TestRedis, settings: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const { PATH, HOME } = process.env;
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { PATH, HOME, ...testEnv(redis.url, settings), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (
    !(await fetch(`${base}/health/live`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gateway did not start:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const refused = await fetch(`${base}/api/me`, { headers: { authorization: 'Bearer not-a-token-secret-4d1f' } });
  expect(refused.status).toBe(401);
  await refused.text();
  // The access line is written when the answer ends; give the logger a moment, then stop.
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGTERM');
  await exited;
  return { stdout };
}

describe('LOG_LEVEL and LOG_FORMAT (dist/main.js)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('LOG_LEVEL=info writes JSON lines, the REST access line among them; LOG_LEVEL=warn drops every info line and keeps the warnings', async () => {
    const info = await runWith(redis, { LOG_LEVEL: 'info' });
    const lines = info.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((l) => l.level === 'info' && l.path === '/api/me' && l.status === 401)).toBe(true);

    const warn = await runWith(redis, { LOG_LEVEL: 'warn' });
    const warnLines = warn.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnLines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
    // The refusal of that call is a warning: it stays.
    expect(warnLines.some((l) => l.level === 'warn' && l.event === 'auth_refused' && l.path === '/api/me')).toBe(true);
  });

  it('LOG_FORMAT=pretty prints one readable line per entry, not JSON, and still no secret', async () => {
    const pretty = await runWith(redis, { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    const lines = pretty.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => !line.trimStart().startsWith('{'))).toBe(true);
    expect(lines.some((line) => /INFO\s+\[.*\] GET \/api\/me 401/.test(line))).toBe(true);
    expect(pretty.stdout).not.toContain('not-a-token-secret-4d1f');
  });
});
