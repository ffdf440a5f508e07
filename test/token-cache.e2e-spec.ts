/**
 * The verified-token cache on one gateway, against a real redis-server: a token admitted a moment
 * ago costs no Redis read; revoke and ban refuse it on the next call; the cache is emptied and
 * unused while its invalidation subscription is down (CLIENT KILL TYPE pubsub) or silent (Redis
 * stopped with SIGSTOP), so nothing stale is served; TOKEN_CACHE_TTL_MS=0 turns it off; and the
 * activity written behind still reaches Redis and the admin API.
 * Admission reads are counted with INFO commandstats: each one runs PTTL on the ban, and on the
 * token record when it admits.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { TokenAdmissionCache } from '../src/tokens/token-admission-cache.js';
import { call, mintToken } from './support/admin-client.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

async function status(stack: GatewayStack, token: string): Promise<number> {
  const res = await fetch(`${stack.gw.url}/v1/models`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** PTTL calls Redis has run (the admission script runs two per read). */
async function pttlCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(/cmdstat_pttl:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, withinMs = 5000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

describe('verified-token cache', () => {
  let stack: GatewayStack;
  let cache: TokenAdmissionCache;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startGatewayStack({ ownRedis: true, env: { TOKEN_CACHE_TTL_MS: '60000', ADMIN_EMAILS: 'admin@example.com' } });
    cache = stack.gw.get<TokenAdmissionCache>(TokenAdmissionCache);
    redis = stack.redis.client();
    await waitFor('the invalidation subscription', () => cache.active);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a token admitted a moment ago with no Redis read', async () => {
    const { token } = await stack.mint('alice@example.com');
    const before = await pttlCalls(redis);
    expect(await status(stack, token)).toBe(200);
    const afterFirst = await pttlCalls(redis);
    expect(afterFirst - before).toBe(2);
    for (let i = 0; i < 10; i++) expect(await status(stack, token)).toBe(200);
    expect(await pttlCalls(redis)).toBe(afterFirst);
  });

  it('refuses a cached token on the very next call after its revoke, and every cached token of a user after a ban', async () => {
    const revoked = await stack.mint('bob@example.com');
    expect(await status(stack, revoked.token)).toBe(200);
    expect(await status(stack, revoked.token)).toBe(200);
    await stack.tokens.revokeById(revoked.record.tokenId, 'admin@example.com');
    expect(await status(stack, revoked.token)).toBe(401);

    const banned = await stack.mint('carol@example.com');
    expect(await status(stack, banned.token)).toBe(200);
    await stack.activeUsers.ban({ email: 'carol@example.com', bannedBy: 'admin@example.com' });
    expect(await status(stack, banned.token)).toBe(401);
    // A refusal is never cached: unbanned, the token passes again at once.
    await stack.activeUsers.unban('carol@example.com');
    expect(await status(stack, banned.token)).toBe(200);
  });

  it('never keeps a revoked token whose invalidation comes from another writer (published on the channel)', async () => {
    const { token, record } = await stack.mint('erin@example.com');
    expect(await status(stack, token)).toBe(200);
    expect(cache.has(record.email, record.tokenId)).toBe(true);
    // What another replica's revoke does to this one: the record goes, the user is published.
    await redis.del(stack.keys.token(record.email, record.tokenId));
    await redis.publish(stack.keys.tokenInvalidations(), record.email);
    await waitFor('the invalidation', () => !cache.has(record.email, record.tokenId));
    expect(await status(stack, token)).toBe(401);
  });

  it('empties itself when its subscriber connection is killed, and reads Redis: a revoke that publishes nothing is seen at once', async () => {
    const { token, record } = await stack.mint('frank@example.com');
    expect(await status(stack, token)).toBe(200);
    expect(cache.has(record.email, record.tokenId)).toBe(true);

    expect(Number(await redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);
    // The close empties the cache (nothing refills it without a call); it may have resubscribed already.
    await waitFor('the cache to empty', () => cache.size === 0);
    // A deletion nobody publishes: only a Redis read can see it.
    await redis.del(stack.keys.token(record.email, record.tokenId));
    const before = await pttlCalls(redis);
    expect(await status(stack, token)).toBe(401);
    // A read that finds no record runs one PTTL (the ban's) before its HEXISTS.
    expect((await pttlCalls(redis)) - before).toBe(1);

    // Subscribed again, the cache serves again.
    await waitFor('the subscription to come back', () => cache.active);
    const next = await stack.mint('frank@example.com');
    expect(await status(stack, next.token)).toBe(200);
    const warm = await pttlCalls(redis);
    expect(await status(stack, next.token)).toBe(200);
    expect(await pttlCalls(redis)).toBe(warm);
  });

  it('writes the activity of cached calls behind, within about a second, where the admin API reads it', async () => {
    const adminToken = await mintToken(stack.gw, 'admin@example.com');
    const { token, record } = await stack.mint('grace@example.com', { name: 'cached' });
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect(await status(stack, token)).toBe(200);
    // No flush asked for: the write-behind timer brings it to Redis.
    const lag = await waitFor(
      'the activity in Redis',
      async () => (await redis.hget(stack.keys.activeUser(record.email), 'request_count')) === '3',
      5000,
    );
    expect(lag).toBeLessThan(3000);
    expect(Number(await redis.hget(stack.keys.token(record.email, record.tokenId), 'last_used_at'))).toBeGreaterThanOrEqual(started);

    const users = await call<{ items: Array<{ email: string; request_count: number; last_access: string }> }>(
      stack.gw,
      'GET',
      '/api/admin/sessions/active-users?q=grace',
      { token: adminToken },
    );
    expect(users.status).toBe(200);
    expect(users.body.items).toEqual([expect.objectContaining({ email: 'grace@example.com', request_count: 3 })]);
    expect(Date.parse(users.body.items[0].last_access)).toBeGreaterThanOrEqual(started);
    const tokens = await call<{ items: Array<{ token_id: string; last_used_at: string | null }> }>(
      stack.gw,
      'GET',
      '/api/admin/tokens?email=grace@example.com',
      { token: adminToken },
    );
    expect(tokens.status).toBe(200);
    const row = tokens.body.items.find((t) => t.token_id === record.tokenId);
    expect(Date.parse(row?.last_used_at ?? '')).toBeGreaterThanOrEqual(started);
  });

  // Last: it stops Redis for a moment.
  it('stops serving from the cache within about a second when its subscriber stops answering (Redis frozen)', async () => {
    const { token } = await stack.mint('hank@example.com');
    expect(await status(stack, token)).toBe(200);
    expect(await status(stack, token)).toBe(200);
    stack.redis.pause();
    try {
      // The cached token passes until the unanswered heartbeat turns the cache off; then the read times out: 503.
      const started = performance.now();
      let answer = 200;
      while (answer === 200 && performance.now() - started < 8000) answer = await status(stack, token);
      expect(answer).toBe(503);
      // About 2 heartbeats (1 s) plus the read's REDIS_COMMAND_TIMEOUT_MS (1 s), with room for a loaded machine.
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      stack.redis.resume();
    }
    await waitFor('the cache back on', () => cache.active, 10_000);
    expect(await status(stack, token)).toBe(200);
  });
});

describe('verified-token cache off (TOKEN_CACHE_TTL_MS=0)', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { TOKEN_CACHE_TTL_MS: '0' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('reads Redis on every call, so even a deletion nobody publishes is refused on the next call', async () => {
    const redis = stack.redis.client();
    const { token, record } = await stack.mint('ivan@example.com');
    const before = await pttlCalls(redis);
    for (let i = 0; i < 5; i++) expect(await status(stack, token)).toBe(200);
    expect((await pttlCalls(redis)) - before).toBe(10);
    expect(stack.gw.get<TokenAdmissionCache>(TokenAdmissionCache).active).toBe(false);
    await redis.del(stack.keys.token(record.email, record.tokenId));
    expect(await status(stack, token)).toBe(401);
  });
});
