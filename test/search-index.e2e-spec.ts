/**
 * The search indexes of the admin lists are built from existing data when a gateway starts on a
 * Redis that has tokens, people and sessions from before the indexes existed (an upgrade), beside
 * the start rather than before it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActiveUsersService } from '../src/active-users/active-users.service.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { SessionsRepository } from '../src/sessions/sessions.repository.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface Listed {
  items: Array<{ email?: string; user_email?: string; token_name?: string }>;
}

describe('search indexes over data from before they existed', () => {
  let redis: TestRedis;
  let gw: TestApp;
  let env: Record<string, string>;
  let adminToken: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    env = testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com' });
    gw = await startTestApp(env);
    adminToken = await mintToken(gw, 'admin@example.com');
    const tokens = gw.get<TokensService>(TokensService);
    const { record } = await tokens.create({ email: 'old-timer@example.com', name: 'Vintage laptop', createdVia: 'cli' });
    await gw.get<ActiveUsersService>(ActiveUsersService).admitToken('old-timer@example.com', record.tokenId, record.name);
    const now = Date.now();
    const auth = {
      email: 'old-timer@example.com',
      name: 'Old',
      createdAt: now,
      lastSeenAt: now,
      ip: '127.0.0.1',
      userAgent: 'x',
      csrfToken: 'c'.repeat(43),
    };
    await gw
      .get<SessionsRepository>(SessionsRepository)
      .writeSignedIn('create', 'S'.repeat(43), auth.email, JSON.stringify({ cookie: { path: '/' }, auth }), now + 3600_000, now);
    // Back to how Redis looked before the indexes: none of them, and no record of a build.
    const keys = gw.get<RedisKeys>(RedisKeys);
    await gw.close();
    await redis.client().del(keys.tokensByTerm(), keys.usersByEmail(), keys.sessionsByEmail(), keys.searchIndexesBuilt());
    gw = await startTestApp(env);
    // The builds run beside the start: wait (bounded) until all three have been recorded.
    const deadline = Date.now() + 20_000;
    while ((await redis.client().hlen(keys.searchIndexesBuilt())) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('finds tokens, people and sessions from before by the start of their text after a restart', async () => {
    const tokens = await call<Listed>(gw, 'GET', '/api/admin/tokens?q=vintage', { token: adminToken });
    expect(tokens.body.items.map((t) => t.token_name)).toEqual(['Vintage laptop']);
    const users = await call<Listed>(gw, 'GET', '/api/admin/sessions/active-users?q=old-t', { token: adminToken });
    expect(users.body.items.map((u) => u.email)).toEqual(['old-timer@example.com']);
    const sessions = await call<Listed>(gw, 'GET', '/api/admin/sessions?q=old-t', { token: adminToken });
    expect(sessions.body.items.map((s) => s.email)).toEqual(['old-timer@example.com']);
  });

  it('records each index it built, so later starts skip the build', async () => {
    const keys = gw.get<RedisKeys>(RedisKeys);
    expect(Object.keys(await redis.client().hgetall(keys.searchIndexesBuilt())).sort()).toEqual(['sessions', 'tokens', 'users']);
  });
});
