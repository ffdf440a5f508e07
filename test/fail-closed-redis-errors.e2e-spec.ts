/**
 * AUTH_FAIL_MODE=open opens only when Redis cannot be reached. A Redis that answers with an
 * error (here WRONGTYPE: a string where the token's allowlist record, a hash, should be) fails
 * closed in both modes: the call is refused, nothing reaches the upstream, and the refusal is
 * logged with the Redis error for ops.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { TokenAdmissionCache } from '../src/tokens/token-admission-cache.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

async function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

for (const mode of ['open', 'closed'] as const) {
  describe(`a Redis error that is not an outage, with AUTH_FAIL_MODE=${mode}`, () => {
    let stack: GatewayStack;

    beforeAll(async () => {
      stack = await startGatewayStack({ env: { AUTH_FAIL_MODE: mode } });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('refuses the call (503, nothing forwarded) when the allowlist record has the wrong type (WRONGTYPE)', async () => {
      const { token, record } = await stack.mint('wrongtype@example.com');
      expect((await get(`${stack.gw.url}/v1/models`, { authorization: `Bearer ${token}` })).status).toBe(200);

      // A string where the record's hash should be: every read of it is a WRONGTYPE error.
      const key = stack.gw.get<RedisKeys>(RedisKeys).token(record.email, record.tokenId);
      await stack.redis.client().set(key, 'not-a-hash');
      // A hand edit publishes like the gateway's own scripts do, or the verified-token cache keeps the token's admission for its TTL.
      await stack.redis.client().publish(stack.keys.tokenInvalidations(), record.email);
      const cache = stack.gw.get<TokenAdmissionCache>(TokenAdmissionCache);
      for (let i = 0; cache.has(record.email, record.tokenId); i++) {
        if (i > 200) throw new Error('the invalidation never arrived');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const before = stack.upstream.requests.length;

      const v1 = await get(`${stack.gw.url}/v1/models`, { authorization: `Bearer ${token}`, 'x-request-id': `wrongtype-${randomUUID()}` });
      expect(v1).toEqual({
        status: 503,
        body: {
          type: 'error',
          error: {
            type: 'overloaded_error',
            message: 'Authentication is temporarily unavailable; try again shortly',
            code: 'service_unavailable',
          },
        },
      });
      const rest = await get(`${stack.gw.url}/api/me`, { authorization: `Bearer ${token}` });
      expect(rest.status).toBe(503);
      expect(rest.body).toMatchObject({ statusCode: 503, code: 'service_unavailable' });
      expect(stack.upstream.requests.length).toBe(before);
    });

    it('refuses a banned user whose ban record has the wrong type (a ban key of any type is a ban)', async () => {
      const { token } = await stack.mint('oddban@example.com');
      await stack.redis.client().set(stack.gw.get<RedisKeys>(RedisKeys).ban('oddban@example.com'), 'not-a-hash');
      const res = await get(`${stack.gw.url}/v1/models`, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'user_banned' } });
    });
  });
}
