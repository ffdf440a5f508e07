/**
 * Health on @nestjs/terminus: /health/live is the process alone (a frozen Redis does not touch
 * it), /health/ready and /health give the same readiness answer, and with READY_CHECKS_UPSTREAM=true
 * readiness also needs an HTTP answer from UPSTREAM_URL: any status counts, a reset connection or
 * silence past the probe timeout does not. Anonymous callers learn up/down and fixed reasons only.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

async function get(url: string): Promise<Answer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

/** An upstream whose behaviour a test picks: answer with a status, reset the connection, or never answer. */
interface FakeUpstream {
  url: string;
  mode: number | 'reset' | 'silent';
  requests: Array<{ method: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

async function startFakeUpstream(): Promise<FakeUpstream> {
  const held: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const upstream: FakeUpstream = { url: '', mode: 200, requests: [], close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    upstream.requests.push({ method: req.method ?? '', headers: req.headers });
    if (upstream.mode === 'reset') req.socket.destroy();
    else if (upstream.mode === 'silent') held.push(res);
    else res.writeHead(upstream.mode, { 'content-type': 'text/plain' }).end('upstream says hello');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return upstream;
}

describe('health checks', () => {
  let redis: TestRedis;
  let upstream: FakeUpstream;
  /** READY_CHECKS_UPSTREAM=true, pointed at the fake upstream. */
  let checking: TestApp;
  /** The default (false), pointed at the same upstream. */
  let plain: TestApp;

  beforeAll(async () => {
    redis = await startTestRedis({ forceOwn: true });
    upstream = await startFakeUpstream();
    checking = await startTestApp(testEnv(redis.url, { UPSTREAM_URL: upstream.url, READY_CHECKS_UPSTREAM: 'true' }));
    plain = await startTestApp(testEnv(redis.url, { UPSTREAM_URL: upstream.url }));
  });
  afterAll(async () => {
    await checking?.close();
    await plain?.close();
    await upstream?.close();
    await redis?.close();
  });

  it('answers /health/live with the process alone, and /health like /health/ready', async () => {
    const live = await get(`${plain.url}/health/live`);
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok', uptime_seconds: expect.any(Number) });
    for (const path of ['/health', '/health/ready']) {
      const ready = await get(`${plain.url}${path}`);
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ok', redis: 'up', redis_latency_ms: expect.any(Number) });
    }
  });

  it('keeps /health/live at 200 while Redis is frozen, and /health/ready says not ready', async () => {
    redis.pause();
    try {
      const live = await get(`${plain.url}/health/live`);
      expect(live.status).toBe(200);
      expect(live.body.status).toBe('ok');
      const ready = await get(`${plain.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', redis: 'down', reason: 'Redis does not answer' });
    } finally {
      redis.resume();
    }
    expect((await get(`${plain.url}/health/ready`)).status).toBe(200);
  });

  it('leaves the upstream out of readiness by default, even when it resets every connection', async () => {
    upstream.mode = 'reset';
    try {
      const ready = await get(`${plain.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body).not.toHaveProperty('upstream');
    } finally {
      upstream.mode = 200;
    }
  });

  it('with READY_CHECKS_UPSTREAM=true counts any HTTP answer as up, and sends the upstream no credentials', async () => {
    for (const mode of [200, 404, 500]) {
      upstream.mode = mode;
      const before = upstream.requests.length;
      const ready = await get(`${checking.url}/health/ready`);
      expect({ mode, status: ready.status, body: ready.body }).toEqual({
        mode,
        status: 200,
        body: { status: 'ok', redis: 'up', redis_latency_ms: expect.any(Number), upstream: 'up' },
      });
      const probe = upstream.requests.at(-1);
      expect(upstream.requests.length).toBe(before + 1);
      expect(probe?.method).toBe('HEAD');
      expect(probe?.headers.authorization).toBeUndefined();
      expect(probe?.headers['x-api-key']).toBeUndefined();
    }
    upstream.mode = 200;
  });

  it('with READY_CHECKS_UPSTREAM=true answers 503 when the upstream resets the connection, without the error text', async () => {
    upstream.mode = 'reset';
    try {
      for (const path of ['/health', '/health/ready']) {
        const ready = await get(`${checking.url}${path}`);
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({
          status: 'unavailable',
          redis: 'up',
          redis_latency_ms: expect.any(Number),
          upstream: 'down',
          reason: 'The upstream does not answer',
        });
        expect(ready.text).not.toMatch(/ECONNRESET|socket|fetch failed|127\.0\.0\.1/i);
      }
      // The process itself is fine: liveness never asks the upstream.
      expect((await get(`${checking.url}/health/live`)).status).toBe(200);
    } finally {
      upstream.mode = 200;
    }
    expect((await get(`${checking.url}/health/ready`)).status).toBe(200);
  });

  it('with READY_CHECKS_UPSTREAM=true answers 503 when the upstream accepts but never answers', async () => {
    upstream.mode = 'silent';
    try {
      const ready = await get(`${checking.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', redis: 'up', upstream: 'down', reason: 'The upstream does not answer' });
    } finally {
      upstream.mode = 200;
    }
  });

  it('with READY_CHECKS_UPSTREAM=true names every failing check when Redis and the upstream are both down', async () => {
    upstream.mode = 'reset';
    redis.pause();
    try {
      const ready = await get(`${checking.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'unavailable',
        redis: 'down',
        upstream: 'down',
        reason: 'Redis does not answer; The upstream does not answer',
      });
    } finally {
      redis.resume();
      upstream.mode = 200;
    }
  });
});
