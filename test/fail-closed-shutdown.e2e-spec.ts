/**
 * Shutdown has a deadline: on SIGTERM the production entry point (dist/main.js) lets streams in
 * flight finish for at most SHUTDOWN_GRACE_MS, then ends them and exits. Here the upstream holds
 * a stream open forever, as a stuck LLM call would.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../src/demo/local-redis.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { testEnv } from './support/test-app.js';

/** Generous: the deadline is 1 s, a slow shared machine gets many times that. */
const EXIT_WITHIN_MS = 20_000;

describe('shutdown deadline', () => {
  let redis: TestRedis;
  let upstream: Server;
  let upstreamUrl: string;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    // An SSE stream that sends one event and then never another, and never ends.
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"first"}}]}\n\n');
        held.push(res);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
    await redis?.close();
  });

  it('ends a stream that never finishes once SHUTDOWN_GRACE_MS is over, and exits', async () => {
    const port = await freePort();
    const env = testEnv(redis.url, { UPSTREAM_URL: upstreamUrl, PORT: String(port), SHUTDOWN_GRACE_MS: '1000' });
    const { PATH, HOME } = process.env;
    const gateway: ChildProcess = spawn(process.execPath, ['dist/main.js'], { env: { PATH, HOME, ...env }, stdio: 'ignore' });
    const exited = new Promise<string>((resolve) => gateway.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 200; i++) {
        if (
          await fetch(`${base}/health`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const minted = spawnSync(process.execPath, ['dist/cli.js', 'token', 'create', '--email', 'stuck@example.com'], {
        env: { PATH, HOME, ...env },
        encoding: 'utf8',
      });
      const { token } = JSON.parse(minted.stdout) as { token: string };

      const stream = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stuck', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value as Uint8Array)).toContain('first');

      gateway.kill('SIGTERM');
      // The stream ends (cut short: the client sees an error or an early end), and the process exits.
      const ended = (async (): Promise<string> => {
        try {
          for (;;) if ((await reader.read()).done) return 'ended';
        } catch {
          return 'cut';
        }
      })();
      const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), EXIT_WITHIN_MS).unref());
      expect(['ended', 'cut']).toContain(await Promise.race([ended, bound]));
      expect(['SIGTERM', 'code 0']).toContain(await Promise.race([exited, bound]));
    } finally {
      if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
      await exited;
    }
  });
});
