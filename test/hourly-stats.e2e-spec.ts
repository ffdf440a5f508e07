/**
 * Requests and active people per hour (GET /api/admin/stats/hourly): counted for every admitted
 * request by API token or browser session, kept in hourly Redis buckets that every gateway
 * instance adds to, with a TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HOUR_MS, HourlyUsageService } from '../src/active-users/hourly-usage.service.js';
import { call, mintToken } from './support/admin-client.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Hour {
  hour: string;
  requests: number;
  requests_jwt: number;
  requests_oauth2: number;
  active_users: number;
  active_users_jwt: number;
  active_users_oauth2: number;
}
interface Hourly {
  hours: Hour[];
  totals: { requests: number; requests_jwt: number; requests_oauth2: number };
}

describe('GET /api/admin/stats/hourly', () => {
  let stack: GatewayStack;
  let adminToken: string;

  const llm = (token: string): Promise<Response> => fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  const hourly = async (gw: TestApp = stack.gw, query = ''): Promise<Hourly> => {
    const res = await call<Hourly>(gw, 'GET', `/api/admin/stats/hourly${query}`, { token: adminToken });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { ADMIN_EMAILS: 'admin@example.com' } });
    adminToken = await mintToken(stack.gw, 'admin@example.com');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses without credentials (401) and for a non-admin (403)', async () => {
    expect((await call(stack.gw, 'GET', '/api/admin/stats/hourly')).status).toBe(401);
    expect(
      (await call(stack.gw, 'GET', '/api/admin/stats/hourly', { token: await mintToken(stack.gw, 'plain@example.com', ['llm']) })).status,
    ).toBe(403);
  });

  it('counts the requests and the distinct people of this hour, by auth method', async () => {
    const before = (await hourly()).hours.at(-1)!;
    const alice = await mintToken(stack.gw, 'alice@example.com', ['llm']);
    const bob = await mintToken(stack.gw, 'bob@example.com', ['llm']);
    for (let i = 0; i < 3; i++) expect((await llm(alice)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await llm(bob)).status).toBe(200);
    // A refused call is not use: a revoked token counts for nothing.
    const revoked = await stack.mint('carol@example.com', { name: 'gone' });
    await stack.tokens.revoke('carol@example.com', revoked.record.tokenId, 'carol@example.com');
    expect((await llm(revoked.token)).status).toBe(401);
    // A browser request of dora's (what the ban guard admits on every signed-in /api call).
    await stack.activeUsers.admitSession('dora@example.com');

    const now = (await hourly()).hours.at(-1)!;
    // The reads themselves are admin requests by token: this one and the one before.
    expect(now.requests_jwt - before.requests_jwt).toBe(5 + 1);
    expect(now.requests_oauth2 - before.requests_oauth2).toBe(1);
    expect(now.requests).toBe(now.requests_jwt + now.requests_oauth2);
    // New people this hour: alice and bob by token (the admin was counted before), dora by session.
    expect({
      jwt: now.active_users_jwt - before.active_users_jwt,
      oauth2: now.active_users_oauth2 - before.active_users_oauth2,
      all: now.active_users - before.active_users,
    }).toEqual({ jwt: 2, oauth2: 1, all: 3 });
  });

  it('answers the last 24 hours, oldest first, each on its hour, the current one last; or ?hours=', async () => {
    const body = await hourly();
    expect(body.hours).toHaveLength(24);
    const starts = body.hours.map((h) => Date.parse(h.hour));
    expect(starts.every((t) => t % HOUR_MS === 0)).toBe(true);
    expect(starts.every((t, i) => i === 0 || t - starts[i - 1] === HOUR_MS)).toBe(true);
    expect(starts.at(-1)).toBe(Date.now() - (Date.now() % HOUR_MS));
    expect(body.totals.requests).toBe(body.hours.reduce((n, h) => n + h.requests, 0));
    expect((await hourly(stack.gw, '?hours=3')).hours).toHaveLength(3);
    for (const bad of ['0', '49', 'x', '1.5']) {
      expect((await call(stack.gw, 'GET', `/api/admin/stats/hourly?hours=${bad}`, { token: adminToken })).status).toBe(400);
    }
  });

  it('puts use in the hour it happened', async () => {
    const threeHoursAgo = Date.now() - 3 * HOUR_MS;
    stack.gw.get<HourlyUsageService>(HourlyUsageService).record('early@example.com', 'jwt', threeHoursAgo);
    const hours = (await hourly()).hours;
    const slot = hours.find((h) => Date.parse(h.hour) === threeHoursAgo - (threeHoursAgo % HOUR_MS))!;
    expect(slot).toMatchObject({ requests_jwt: 1, active_users_jwt: 1 });
  });

  // Last: a second app in this process takes over passport's global strategy registry, so the
  // first app is read through its service from here on, not over REST.
  it('keeps the buckets in Redis with a TTL, where every gateway instance adds to them', async () => {
    const usage = stack.gw.get<HourlyUsageService>(HourlyUsageService);
    const current = async (): Promise<{ requests: number; users: number }> => {
      const hour = (await usage.lastHours(1, Date.now()))[0];
      return { requests: hour.requests.jwt, users: hour.usersByMethod.jwt };
    };
    const before = await current();
    const other = await startTestApp(envOf(stack));
    try {
      const erin = await mintToken(other, 'erin@example.com', ['llm']);
      expect((await fetch(`${other.url}/v1/models`, { headers: { authorization: `Bearer ${erin}` } })).status).toBe(200);
    } finally {
      // The other instance's tally reaches Redis when it flushes (at the latest when it stops).
      await other.close();
    }
    expect(await current()).toEqual({ requests: before.requests + 1, users: before.users + 1 });

    const client = stack.redis.client();
    const hour = Date.now() - (Date.now() % HOUR_MS);
    for (const key of [`usage:hour:${hour}`, `usage:hour:${hour}:users:jwt`]) {
      const ttl = await client.ttl(`${stack.gw.config.redis.keyPrefix}${key}`);
      expect([key, ttl > 24 * 3600 && ttl <= 48 * 3600]).toEqual([key, true]);
    }
  });
});

/** The environment of the stack's app, for a second instance on the same Redis and key prefix. */
function envOf(stack: GatewayStack): Record<string, string> {
  const c = stack.gw.config;
  return {
    NODE_ENV: 'test',
    REDIS_URL: c.redis.url,
    REDIS_ALLOW_EPHEMERAL: 'true',
    REDIS_KEY_PREFIX: c.redis.keyPrefix,
    JWT_SECRET: c.jwt.secret,
    UPSTREAM_URL: c.upstream.url,
    ADMIN_EMAILS: 'admin@example.com',
    LOG_LEVEL: 'error',
    PORT: '0',
  };
}
