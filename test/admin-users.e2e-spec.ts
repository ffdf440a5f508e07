import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActiveUsersService } from '../src/active-users/active-users.service.js';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface UserRow {
  email: string;
  auth_methods: string[];
  session_count: number;
  token_count: number;
  last_access: string;
  ttl_seconds: number;
  is_banned: boolean;
  ban_remaining_seconds: number | null;
}
interface UserList {
  items: UserRow[];
  next_cursor: string | null;
  users: number;
  banned: number;
  active_sessions: number;
  users_by_method: { jwt: number; oauth2: number };
}
interface BanRow {
  email: string;
  remaining_seconds: number;
  banned_by: string;
  reason: string;
  banned_until: string;
}

describe('admin users and bans API', () => {
  let redis: TestRedis;
  let upstream: EchoUpstream;
  let gw: TestApp;
  let env: Record<string, string>;
  let adminToken: string;

  const models = (token: string): Promise<Response> => fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startEchoUpstream();
    env = testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com', UPSTREAM_URL: upstream.url, BAN_TTL_SECONDS: '3600' });
    gw = await startTestApp(env);
    adminToken = await mintToken(gw, 'admin@example.com');
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await redis?.close();
  });

  it('refuses without credentials (401) and for a non-admin (403), changing nothing', async () => {
    const userToken = await mintToken(gw, 'plain@example.com');
    const routes = [
      ['GET', '/api/admin/sessions/active-users', undefined],
      ['POST', '/api/admin/sessions/revoke-user', { user_email: 'victim@example.com' }],
      ['DELETE', '/api/admin/sessions/unban/victim@example.com', undefined],
      ['GET', '/api/admin/bans', undefined],
    ] as const;
    for (const [method, path, body] of routes) {
      expect([path, (await call(gw, method, path, { body })).status]).toEqual([path, 401]);
      expect([path, (await call(gw, method, path, { body, token: userToken })).status]).toEqual([path, 403]);
    }
    expect(await redis.client().exists(`${gw.config.redis.keyPrefix}{victim@example.com}:ban`)).toBe(0);
  });

  it('lists an active JWT user with methods, token count and totals', async () => {
    const token = await mintToken(gw, 'jwt-user@example.com', ['llm'], 'laptop');
    await mintToken(gw, 'jwt-user@example.com', ['llm'], 'desktop');
    expect((await models(token)).status).toBe(200);
    const res = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?q=jwt-user', { token: adminToken });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      email: 'jwt-user@example.com',
      auth_methods: ['jwt'],
      session_count: 0,
      token_count: 2,
      is_banned: false,
      ban_remaining_seconds: null,
    });
    expect(res.body.items[0].ttl_seconds).toBeGreaterThan(86000);
    expect(res.body.users).toBeGreaterThanOrEqual(2);
    expect(res.body.users_by_method.jwt).toBe(res.body.users);
    expect(res.body.active_sessions).toBe(0);
  });

  it('BAN blocks every token of the user on the next request; unban restores them', async () => {
    const t1 = await mintToken(gw, 'mallory@example.com', ['llm'], 'one');
    const t2 = await mintToken(gw, 'mallory@example.com', ['llm'], 'two');
    expect((await models(t1)).status).toBe(200);

    const ban = await call(gw, 'POST', '/api/admin/sessions/revoke-user', {
      token: adminToken,
      body: { user_email: 'Mallory@Example.com', reason: 'leaked a token' },
    });
    expect(ban.status).toBe(200);
    expect(ban.body).toMatchObject({
      user_email: 'mallory@example.com',
      sessions_ended: 0,
      tokens_blocked: 2,
      ban_seconds: 3600,
      reason: 'leaked a token',
    });
    const until = Date.parse((ban.body as { banned_until: string }).banned_until);
    expect(until).toBeGreaterThan(Date.now() + 3590_000);

    for (const t of [t1, t2]) {
      const res = await models(t);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('user_banned');
      expect(body.error.message).toMatch(/^User is banned for (59 minutes|1 hour)/);
    }

    const bans = await call<{ items: BanRow[]; total: number }>(gw, 'GET', '/api/admin/bans', { token: adminToken });
    expect(bans.body.total).toBe(1);
    expect(bans.body.items[0]).toMatchObject({ email: 'mallory@example.com', banned_by: 'admin@example.com', reason: 'leaked a token' });
    expect(bans.body.items[0].remaining_seconds).toBeGreaterThan(3590);

    const users = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?q=mallory', { token: adminToken });
    expect(users.body.items[0]).toMatchObject({ email: 'mallory@example.com', is_banned: true });
    expect(users.body.items[0].ban_remaining_seconds).toBeGreaterThan(3590);
    expect(users.body.banned).toBe(1);

    const unban = await call(gw, 'DELETE', '/api/admin/sessions/unban/MALLORY%40example.com', { token: adminToken });
    expect(unban.status).toBe(200);
    expect(unban.body).toEqual({ user_email: 'mallory@example.com', unbanned: true });
    expect((await models(t1)).status).toBe(200);
    expect((await models(t2)).status).toBe(200);
    expect((await call<{ total: number }>(gw, 'GET', '/api/admin/bans', { token: adminToken })).body.total).toBe(0);
  });

  it('bans someone never seen, and the ban survives a gateway restart', async () => {
    const ban = await call(gw, 'POST', '/api/admin/sessions/revoke-user', { token: adminToken, body: { user_email: 'ghost@example.com' } });
    expect(ban.status).toBe(200);
    expect(ban.body).toMatchObject({ user_email: 'ghost@example.com', sessions_ended: 0, tokens_blocked: 0 });
    const ghostToken = await mintToken(gw, 'ghost@example.com', ['llm']);

    await gw.close();
    gw = await startTestApp(env);
    expect((await models(ghostToken)).status).toBe(401);
    const bans = await call<{ items: BanRow[] }>(gw, 'GET', '/api/admin/bans?q=ghost', { token: adminToken });
    expect(bans.body.items.map((b) => b.email)).toEqual(['ghost@example.com']);
    expect((await call(gw, 'DELETE', '/api/admin/sessions/unban/ghost@example.com', { token: adminToken })).status).toBe(200);
    expect((await models(ghostToken)).status).toBe(200);
  });

  it('refuses a self-ban (409), an unknown unban (404) and bad emails (400)', async () => {
    expect(
      (await call(gw, 'POST', '/api/admin/sessions/revoke-user', { token: adminToken, body: { user_email: 'admin@example.com' } })).status,
    ).toBe(409);
    expect((await models(adminToken)).status).toBe(200);
    expect((await call(gw, 'DELETE', '/api/admin/sessions/unban/nobody@example.com', { token: adminToken })).status).toBe(404);
    expect((await call(gw, 'DELETE', '/api/admin/sessions/unban/not-an-email', { token: adminToken })).status).toBe(400);
    expect(
      (await call(gw, 'POST', '/api/admin/sessions/revoke-user', { token: adminToken, body: { user_email: 'a@b@c.com' } })).status,
    ).toBe(400);
    expect((await call(gw, 'POST', '/api/admin/sessions/revoke-user', { token: adminToken, body: {} })).status).toBe(400);
  });

  it('records bans and unbans in the audit trail', async () => {
    const res = await call<{ items: Array<Record<string, unknown>> }>(gw, 'GET', '/api/admin/audit?target=mallory%40example.com', {
      token: adminToken,
    });
    expect(res.body.items.map((e) => [e.action, e.outcome, e.actor])).toEqual([
      ['user.unban', 'success', 'admin@example.com'],
      ['user.ban', 'success', 'admin@example.com'],
    ]);
  });

  it("answers the dashboard's figures in one call, agreeing with the lists", async () => {
    expect((await call(gw, 'GET', '/api/admin/stats')).status).toBe(401);
    expect((await call(gw, 'GET', '/api/admin/stats', { token: await mintToken(gw, 'plain@example.com', ['llm']) })).status).toBe(403);
    interface Stats {
      total_users: number;
      active_24h: number;
      banned: number;
      live_sessions: number;
      live_tokens: number;
      blocked_tokens: number;
      users_by_method: { jwt: number; oauth2: number; both: number };
      active_user_window_seconds: number;
    }
    const stats = async (): Promise<Stats> => (await call<Stats>(gw, 'GET', '/api/admin/stats', { token: adminToken })).body;
    const before = await stats();
    const users = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users', { token: adminToken });
    const tokens = await call<{ active: number; blocked: number }>(gw, 'GET', '/api/admin/tokens?limit=1', { token: adminToken });
    expect(before).toMatchObject({
      total_users: users.body.users,
      active_24h: users.body.users,
      banned: users.body.banned,
      live_sessions: 0,
      live_tokens: tokens.body.active + tokens.body.blocked,
      blocked_tokens: tokens.body.blocked,
      users_by_method: { jwt: users.body.users, oauth2: 0, both: 0 },
      active_user_window_seconds: 86400,
    });

    const { record } = await gw.get<TokensService>(TokensService).create({ email: 'counted@example.com', name: 'x', createdVia: 'cli' });
    await gw.get<ActiveUsersService>(ActiveUsersService).admitToken('counted@example.com', record.tokenId, 'x');
    await call(gw, 'POST', '/api/admin/sessions/revoke-user', { token: adminToken, body: { user_email: 'counted@example.com' } });
    const after = await stats();
    expect({
      users: after.total_users - before.total_users,
      banned: after.banned - before.banned,
      live: after.live_tokens - before.live_tokens,
      blocked: after.blocked_tokens - before.blocked_tokens,
    }).toEqual({ users: 1, banned: 1, live: 1, blocked: 1 });
    await call(gw, 'DELETE', '/api/admin/sessions/unban/counted@example.com', { token: adminToken });
  });

  describe('with 1,000 active users', () => {
    const seeded: string[] = [];

    beforeAll(async () => {
      const tokens = gw.get<TokensService>(TokensService);
      const activeUsers = gw.get<ActiveUsersService>(ActiveUsersService);
      const batch: Array<Promise<void>> = [];
      for (let i = 0; i < 1000; i++) {
        const email = `bulk-${String(i).padStart(4, '0')}@load.example.com`;
        seeded.push(email);
        batch.push(
          (async () => {
            const { record } = await tokens.create({ email, name: 'bulk', createdVia: 'cli' });
            await activeUsers.admitToken(email, record.tokenId, 'bulk');
          })(),
        );
        if (batch.length === 100) await Promise.all(batch.splice(0));
      }
      await Promise.all(batch);
    });

    it('walks the list page by page, each user exactly once, newest access first', async () => {
      const seen: UserRow[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const path: string = `/api/admin/sessions/active-users?limit=37&q=load.example&match=contains${cursor === null ? '' : `&cursor=${cursor}`}`;
        const res = await call<UserList>(gw, 'GET', path, { token: adminToken });
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.next_cursor;
        pages += 1;
      } while (cursor !== null && pages < 100);
      const emails = seen.map((u) => u.email);
      expect(new Set(emails).size).toBe(emails.length);
      expect([...emails].sort()).toEqual(seeded);
      const times = seen.map((u) => Date.parse(u.last_access));
      expect(times.every((t, i) => i === 0 || t <= times[i - 1])).toBe(true);
    });

    it('neither repeats nor skips when the user a cursor points at becomes active again', async () => {
      const first = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?limit=200&q=load.example&match=contains', {
        token: adminToken,
      });
      const anchor = first.body.items.at(-1)!.email;
      const { record } = await gw.get<TokensService>(TokensService).create({ email: anchor, name: 'again', createdVia: 'cli' });
      await gw.get<ActiveUsersService>(ActiveUsersService).admitToken(anchor, record.tokenId, 'again');
      const seen = first.body.items.map((u) => u.email);
      let cursor = first.body.next_cursor;
      while (cursor !== null) {
        const res: { body: UserList } = await call<UserList>(
          gw,
          'GET',
          `/api/admin/sessions/active-users?limit=200&q=load.example&match=contains&cursor=${cursor}`,
          {
            token: adminToken,
          },
        );
        seen.push(...res.body.items.map((u) => u.email));
        cursor = res.body.next_cursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(seeded);
    });

    it('finds a lone match deep in the index with a sparse search', async () => {
      const res = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?limit=5&q=bulk-0999', { token: adminToken });
      expect(res.status).toBe(200);
      expect(res.body.items.map((u) => u.email)).toEqual(['bulk-0999@load.example.com']);
    });

    it('searches literally: glob characters match nothing here', async () => {
      for (const q of ['bulk-*', 'bulk-?000', '[b]ulk', 'bulk\\-0001']) {
        for (const match of ['prefix', 'contains']) {
          const res = await call<UserList>(gw, 'GET', `/api/admin/sessions/active-users?q=${encodeURIComponent(q)}&match=${match}`, {
            token: adminToken,
          });
          expect([q, match, res.status, res.body.items.length]).toEqual([q, match, 200, 0]);
        }
      }
    });

    it('finds people by the start of their email, alphabetically, each once across pages, case-insensitively', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/api/admin/sessions/active-users?limit=30&q=BULK-09${cursor === null ? '' : `&cursor=${cursor}`}`;
        const res = await call<UserList>(gw, 'GET', path, { token: adminToken });
        expect(res.status).toBe(200);
        // Prefix pages come from the index: full until the matches run out.
        if (res.body.next_cursor !== null) expect(res.body.items).toHaveLength(30);
        seen.push(...res.body.items.map((u) => u.email));
        cursor = res.body.next_cursor;
      } while (cursor !== null);
      expect(seen).toEqual(seeded.filter((e) => e.startsWith('bulk-09')));
      // Only the start: a middle part finds nothing by prefix, everything by contains.
      const middle = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?q=0999@load', { token: adminToken });
      expect(middle.body.items).toEqual([]);
      const contains = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?q=0999@load&match=contains', {
        token: adminToken,
      });
      expect(contains.body.items.map((u) => u.email)).toEqual(['bulk-0999@load.example.com']);
    });

    it('leaves out people whose activity has ended', async () => {
      await redis.client().del(`${gw.config.redis.keyPrefix}{bulk-0500@load.example.com}:user`);
      const res = await call<UserList>(gw, 'GET', '/api/admin/sessions/active-users?q=bulk-050', { token: adminToken });
      expect(res.body.items.map((u) => u.email)).toEqual(
        seeded.filter((e) => e.startsWith('bulk-050') && e !== 'bulk-0500@load.example.com'),
      );
    });
  });
});
