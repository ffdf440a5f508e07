/**
 * Readiness tells the truth, in fixed words: a Redis that is full (maxmemory reached under
 * noeviction) still admits valid calls, since admission only reads and activity is best effort,
 * but /health reports it not ready; an unreachable Redis is "down" without the client's error text.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

async function get(url: string, token?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

describe('readiness and a full Redis', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ ownRedis: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /**
   * Fills Redis: maxmemory under what it uses, with noeviction, so every write is refused with
   * OOM while reads go on. Well under, not just under: used memory moves by kilobytes between two
   * commands (reply and query buffers), and a limit within that margin lets some writes through.
   */
  async function fillRedis(): Promise<void> {
    const redis = stack.redis.client();
    const used = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    await expect(redis.set('probe-of-the-test', 'x')).rejects.toThrow(/^OOM/);
  }

  afterEach(async () => {
    await stack.redis.client().config('SET', 'maxmemory', '0');
  });

  it('serves valid /v1 calls while Redis refuses writes, and /health says not ready', async () => {
    const { token } = await stack.mint('full@example.com');
    expect((await get(`${stack.gw.url}/health`)).status).toBe(200);
    await fillRedis();

    expect((await get(`${stack.gw.url}/v1/models`, token)).status).toBe(200);
    const res = await new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 }).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'still here' }],
    });
    expect(res.choices[0].message.content).toBe('echo: still here');
    expect(stack.upstream.requests.at(-1)?.headers['x-gateway-user-email']).toBe('full@example.com');

    const health = await get(`${stack.gw.url}/health`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.text)).toEqual({ status: 'unavailable', redis: 'down', reason: 'Redis refuses writes' });

    // A new token cannot be stored: a clear 503, not a 500, and nothing of it is left behind.
    const minted = await fetch(`${stack.gw.url}/api/token/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token_name: 'while-full' }),
    });
    expect(minted.status).toBe(503);
    await minted.text();

    // Revocation and bans are still read: the door stays closed to them.
    await stack.redis.client().config('SET', 'maxmemory', '0');
    const revoked = await stack.mint('gone@example.com');
    await stack.tokens.revokeById(revoked.record.tokenId, 'admin@example.com');
    await fillRedis();
    expect((await get(`${stack.gw.url}/v1/models`, revoked.token)).status).toBe(401);

    await stack.redis.client().config('SET', 'maxmemory', '0');
    expect((await get(`${stack.gw.url}/health`)).status).toBe(200);
  });

  it('says "redis: down" when Redis stops answering on an open connection (a command timeout), never the client error text', async () => {
    stack.redis.pause();
    try {
      const health = await get(`${stack.gw.url}/health`);
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toEqual({ status: 'unavailable', redis: 'down', reason: 'Redis does not answer' });
      expect(health.text).not.toMatch(/timed out/i);
    } finally {
      stack.redis.resume();
    }
  });

  it('says the same to anonymous callers when Redis is unreachable (connection refused)', async () => {
    await stack.redis.stop();
    try {
      const health = await get(`${stack.gw.url}/health`);
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toEqual({ status: 'unavailable', redis: 'down', reason: 'Redis does not answer' });
      expect(health.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Connection is closed|Stream isn't writeable/);
    } finally {
      await stack.redis.start();
    }
  });
});
