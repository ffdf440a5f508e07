/**
 * Redis taken away mid-test. With AUTH_FAIL_MODE=closed the gateway answers 503 at once and lets
 * nobody through (a revoked token or a banned user least of all), /health says why, and service
 * comes back by itself when Redis does. The test redis-server keeps nothing on disk, so a
 * restart loses every token and ban: the test confirms the reset as an operator would (see
 * fail-closed-store-reset.e2e-spec.ts), and tokens used after a restart are minted after it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { confirmStoreReset } from './support/test-app.js';
import { signJwt } from './support/jwt-forge.js';

/** A bound on "quickly": a hung request fails the test instead of waiting for Jest's timeout. */
const ANSWER_WITHIN_MS = 5000;
const RECOVERY_WITHIN_MS = 15_000;

const UNAVAILABLE = {
  type: 'error',
  error: { type: 'overloaded_error', message: 'Authentication is temporarily unavailable; try again shortly', code: 'service_unavailable' },
};

async function get(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  return { status: res.status, body: await res.json() };
}

/** Polls /health until Redis is reachable again; ioredis reconnects with a bounded backoff. */
async function waitForRecovery(stack: GatewayStack): Promise<void> {
  const deadline = Date.now() + RECOVERY_WITHIN_MS;
  for (;;) {
    const { status } = await get(`${stack.gw.url}/health`);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error('the gateway did not reconnect to Redis');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withRedisDown(stack: GatewayStack, body: () => Promise<void>): Promise<void> {
  await stack.redis.stop();
  try {
    await body();
  } finally {
    await stack.redis.start();
    // It came back empty: confirm the reset (npm run cli -- redis confirm-reset), or the gateway stays closed.
    await confirmStoreReset(stack.gw);
    await waitForRecovery(stack);
  }
}

describe('Redis outage with AUTH_FAIL_MODE=closed', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ ownRedis: true, env: { AUTH_FAIL_MODE: 'closed' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 503 in the SDK shape at once while Redis is down, and lets no token through, revoked and banned ones included', async () => {
    const valid = (await stack.mint('alice@example.com')).token;
    const revoked = await stack.mint('bob@example.com');
    await stack.tokens.revokeById(revoked.record.tokenId, 'admin@example.com');
    const banned = (await stack.mint('carol@example.com')).token;
    await stack.activeUsers.ban({ email: 'carol@example.com', bannedBy: 'admin@example.com' });
    const models = `${stack.gw.url}/v1/models`;
    expect((await get(models, valid)).status).toBe(200);
    expect((await get(models, revoked.token)).status).toBe(401);
    expect((await get(models, banned)).status).toBe(401);

    await withRedisDown(stack, async () => {
      const before = stack.upstream.requests.length;
      for (const token of [valid, revoked.token, banned]) {
        expect(await get(models, token)).toEqual({ status: 503, body: UNAVAILABLE });
      }
      const err = await new OpenAI({
        apiKey: valid,
        baseURL: `${stack.gw.url}/v1`,
        maxRetries: 0,
        timeout: ANSWER_WITHIN_MS,
      }).chat.completions
        .create({ model: 'echo-1', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect((err as InstanceType<typeof OpenAI.APIError>).error).toEqual(UNAVAILABLE.error);
      expect(stack.upstream.requests.length).toBe(before);
    });
  });

  it('still refuses a badly signed token with 401 while Redis is down (that check needs no Redis)', async () => {
    const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'x@example.com' }, 'not-the-gateway-secret-but-long-enough-000');
    await withRedisDown(stack, async () => {
      expect((await get(`${stack.gw.url}/v1/models`, forged)).status).toBe(401);
      expect((await get(`${stack.gw.url}/v1/models`)).status).toBe(401);
    });
  });

  it('reports the outage on /health with 503 and the reason', async () => {
    expect(await get(`${stack.gw.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok', redis: 'up' } });
    await withRedisDown(stack, async () => {
      const health = await get(`${stack.gw.url}/health`);
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'unavailable', redis: 'down', reason: 'Redis does not answer' });
    });
  });

  it('answers 503 rather than hanging when Redis stops answering but keeps the connection open', async () => {
    const { token } = await stack.mint('hank@example.com');
    // Not used before the pause: the verified-token cache cannot answer for it (token-cache.e2e-spec.ts covers a cached one).
    const unseen = (await stack.mint('hank@example.com')).token;
    expect((await get(`${stack.gw.url}/v1/models`, token)).status).toBe(200);
    stack.redis.pause();
    try {
      expect(await get(`${stack.gw.url}/v1/models`, unseen)).toEqual({ status: 503, body: UNAVAILABLE });
      expect((await get(`${stack.gw.url}/health`)).status).toBe(503);
    } finally {
      stack.redis.resume();
    }
    await waitForRecovery(stack);
    // Nothing was lost this time, and the late replies did not confuse the connection.
    expect((await get(`${stack.gw.url}/v1/models`, token)).status).toBe(200);
  });

  it('serves again once Redis is back, without a restart of the gateway', async () => {
    await withRedisDown(stack, async () => {
      expect((await get(`${stack.gw.url}/health`)).status).toBe(503);
    });
    // Redis came back empty: a token minted now is on the new allowlist.
    const { token } = await stack.mint('dan@example.com');
    const res = await new OpenAI({
      apiKey: token,
      baseURL: `${stack.gw.url}/v1`,
      maxRetries: 0,
      timeout: ANSWER_WITHIN_MS,
    }).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'back again' }],
    });
    expect(res.choices[0].message.content).toBe('echo: back again');
    expect(stack.upstream.requests.at(-1)?.headers['x-gateway-user-email']).toBe('dan@example.com');
  });
});

describe('Redis outage with AUTH_FAIL_MODE=open', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ ownRedis: true, env: { AUTH_FAIL_MODE: 'open', ADMIN_EMAILS: 'root@example.com' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('admits a validly signed token while Redis is down — the operator’s trade-off: revocations and bans go unchecked until Redis returns', async () => {
    const valid = (await stack.mint('erin@example.com')).token;
    const revoked = await stack.mint('frank@example.com');
    await stack.tokens.revokeById(revoked.record.tokenId, 'admin@example.com');
    expect((await get(`${stack.gw.url}/v1/models`, revoked.token)).status).toBe(401);

    await withRedisDown(stack, async () => {
      expect((await get(`${stack.gw.url}/v1/models`, valid)).status).toBe(200);
      expect(stack.upstream.requests.at(-1)?.headers['x-gateway-user-email']).toBe('erin@example.com');
      // The price of open mode: the allowlist cannot be read, so a revoked token passes too.
      expect((await get(`${stack.gw.url}/v1/models`, revoked.token)).status).toBe(200);
      // Signature and claims are still checked.
      const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'x@example.com' }, 'not-the-gateway-secret-but-long-enough-000');
      expect((await get(`${stack.gw.url}/v1/models`, forged)).status).toBe(401);
      expect((await get(`${stack.gw.url}/health`)).status).toBe(503);
    });
  });

  it('answers a REST call that needs Redis with 503 in the REST shape, not 500, even in open mode', async () => {
    const { token } = await stack.mint('root@example.com', { scopes: ['llm', 'admin'] });
    await withRedisDown(stack, async () => {
      const res = await get(`${stack.gw.url}/api/admin/tokens`, token);
      expect(res).toEqual({
        status: 503,
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.stringContaining('temporarily unavailable'),
          code: 'service_unavailable',
        },
      });
    });
  });
});
