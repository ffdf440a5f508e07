/**
 * The CPU-only checks of a /v1 call (token signature, path, declared size, content type) run before
 * the Redis admission call: a call they refuse costs no Redis round trip and records no activity.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'cpu-checks@example.com';

describe('CPU-only checks before the Redis admission', () => {
  let stack: GatewayStack;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { BODY_LIMIT: '1mb' } });
    token = (await stack.mint(EMAIL)).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** How many scripts redis-server has run (the admission is one EVALSHA a call). */
  async function scriptCalls(): Promise<number> {
    const info = await stack.redis.client().info('commandstats');
    return [...info.matchAll(/^cmdstat_(?:evalsha|eval|fcall):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  }

  const send = (path: string, headers: Record<string, string>, body?: string): Promise<Response> =>
    fetch(`${stack.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });

  /** Declares a body larger than the limit and sends only the headers. */
  const declareTooLarge = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });

  it('refuses a wrong path, an oversized declared body and a form outside uploads without calling Redis', async () => {
    const before = await scriptCalls();
    const refused = [
      await send('/v1/key/generate', { 'content-type': 'application/json' }, '{}'),
      await send('/v1/chat/completions', { 'content-type': 'application/x-www-form-urlencoded' }, 'model=x'),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 415]);
    expect(await declareTooLarge()).toBe(413);
    for (const r of refused) expect(((await r.json()) as { type: string }).type).toBe('error');
    expect(await scriptCalls()).toBe(before);
    expect(stack.upstream.requests).toEqual([]);

    // The control: an accepted call does run the admission script.
    const ok = await send(
      '/v1/chat/completions',
      { 'content-type': 'application/json' },
      JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(ok.status).toBe(200);
    expect(await scriptCalls()).toBeGreaterThan(before);
  });

  it('still refuses a badly signed token with 401 before saying anything about the path', async () => {
    const res = await fetch(`${stack.gw.url}/v1/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${token}x` } });
    expect(res.status).toBe(401);
  });
});
