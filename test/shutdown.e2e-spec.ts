/**
 * The production entry point (dist/main.js) stops cleanly on SIGTERM: idle keep-alive sockets do
 * not hold it open, and a request in flight still gets its whole answer. SIGUSR2 (profilers, heap
 * tools) and SIGHUP (a closed terminal) do not stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { freePort } from '../src/demo/local-redis.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { testEnv } from './support/test-app.js';

describe('shutdown', () => {
  let redis: TestRedis;
  let upstream: EchoUpstream;

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startEchoUpstream({ eventDelayMs: 100 });
  });
  afterAll(async () => {
    await upstream?.close();
    await redis?.close();
  });

  it('keeps serving through SIGUSR2 and SIGHUP, then exits on SIGTERM despite an idle socket, after finishing a stream in flight', async () => {
    const port = await freePort();
    const env = testEnv(redis.url, { UPSTREAM_URL: upstream.url, PORT: String(port), LOG_LEVEL: 'warn' });
    const { PATH, HOME } = process.env;
    const gateway: ChildProcess = spawn(process.execPath, ['dist/main.js'], {
      env: { PATH, HOME, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let log = '';
    gateway.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    // Nest closes the app, then re-raises the signal: a clean stop ends by SIGTERM (or exit code 0).
    const exited = new Promise<string>((resolve) => gateway.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
    const base = `http://127.0.0.1:${port}`;
    const healthy = (): Promise<boolean> =>
      fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
    for (let i = 0; i < 100; i++) {
      if (await healthy()) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    for (const signal of ['SIGUSR2', 'SIGHUP'] as const) {
      gateway.kill(signal);
      // The gateway logs the signal it ignores; had the signal stopped it, it exits instead.
      const outcome = await Promise.race([
        exited.then((how) => `exited (${how})`),
        (async (): Promise<string> => {
          while (!log.includes(`${signal} ignored`) && gateway.exitCode === null && gateway.signalCode === null)
            await new Promise((r) => setTimeout(r, 50));
          return 'ignored';
        })(),
      ]);
      expect({ signal, outcome }).toEqual({ signal, outcome: 'ignored' });
      expect(await healthy()).toBe(true);
    }

    const minted = spawn(process.execPath, ['dist/cli.js', 'token', 'create', '--email', 'stop@example.com'], {
      env: { PATH, HOME, ...env },
    });
    let out = '';
    minted.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => minted.once('exit', r));
    const { token } = JSON.parse(out) as { token: string };

    const idle = connect(port, '127.0.0.1');
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    await new Promise((r) => idle.once('connect', r));

    const stream = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo-1', stream: true, messages: [{ role: 'user', content: 'one two three four five' }] }),
    });
    expect(stream.status).toBe(200);
    gateway.kill('SIGTERM');
    const text = await stream.text();
    expect(text).toContain('data: [DONE]');
    await idleClosed;
    expect(['SIGTERM', 'code 0']).toContain(await exited);
  });
});
