import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { ActiveUsersService } from '../src/active-users/active-users.service.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface TokenRow {
  token_id: string;
  token_name: string;
  user_email: string;
  status: string;
  created_at: string;
  revoked_by: string | null;
}
interface TokenList {
  items: TokenRow[];
  next_cursor: string | null;
  total: number;
  active: number;
  expired: number;
  revoked: number;
}
const summary = ({ total, active, expired, revoked }: TokenList): Record<string, number> => ({ total, active, expired, revoked });

describe('admin tokens API (/api/admin/tokens)', () => {
  let redis: TestRedis;
  let gw: TestApp;
  let keys: RedisKeys;
  let r: Redis;
  let adminToken: string;
  let adminTokenId: string;
  const ids: Record<string, string[]> = {};

  /** What Redis looks like once a token's TTL has run out: the record is gone, the indexes remain. */
  async function expire(email: string, tokenId: string): Promise<void> {
    const past = Date.now() - 60_000;
    const raw = await r.hget(keys.tokenCatalog(), tokenId);
    const entry = JSON.parse(raw!) as { x: number };
    entry.x = past;
    await r.hset(keys.tokenCatalog(), tokenId, JSON.stringify(entry));
    await r.zadd(keys.tokensByExpiry(), past, tokenId);
    await r.zadd(keys.userTokens(email), past, tokenId);
    await r.del(keys.token(email, tokenId));
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestApp(testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com' }));
    keys = gw.get<RedisKeys>(RedisKeys);
    r = redis.client();
    const tokens = gw.get<TokensService>(TokensService);
    const admin = await tokens.create({ email: 'admin@example.com', scopes: ['llm', 'admin'], name: 'admin', createdVia: 'cli' });
    adminToken = admin.token;
    adminTokenId = admin.record.tokenId;
    for (const [email, n] of [
      ['alice@example.com', 3],
      ['bob@example.com', 2],
      ['a*b@example.com', 1],
      ['axxb@example.com', 1],
      ['what?@example.com', 1],
    ] as const) {
      ids[email] = [];
      for (let i = 0; i < n; i++) {
        const { record } = await tokens.create({ email, name: `t${i}`, createdVia: 'cli' });
        ids[email].push(record.tokenId);
      }
    }
    await expire('bob@example.com', ids['bob@example.com'][0]);
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('refuses without credentials (401) and for a non-admin (403)', async () => {
    const userToken = await mintToken(gw, 'alice@example.com', ['llm', 'admin'], 'sneaky');
    for (const [method, path, body] of [
      ['GET', '/api/admin/tokens', undefined],
      ['DELETE', `/api/admin/tokens/${ids['bob@example.com'][1]}`, undefined],
      ['POST', '/api/admin/tokens/revoke-user', { user_email: 'bob@example.com' }],
    ] as const) {
      expect((await call(gw, method, path, { body })).status).toBe(401);
      expect((await call(gw, method, path, { body, token: userToken })).status).toBe(403);
    }
    // Nothing changed: bob's live token is still live.
    expect(await r.exists(keys.token('bob@example.com', ids['bob@example.com'][1]))).toBe(1);
  });

  it('lists every token with its status and a summary, newest first', async () => {
    const res = await call<TokenList>(gw, 'GET', '/api/admin/tokens?limit=500', { token: adminToken });
    expect(res.status).toBe(200);
    const all = res.body.items;
    // admin + 8 seeded + alice's "sneaky" one from the first test
    expect(all).toHaveLength(10);
    expect(res.body.next_cursor).toBeNull();
    const created = all.map((t) => t.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    expect(all.find((t) => t.token_id === ids['bob@example.com'][0])?.status).toBe('expired');
    expect(summary(res.body)).toEqual({ total: 10, active: 9, expired: 1, revoked: 0 });
  });

  it('revokes one token: refused at once, still listed as revoked', async () => {
    const victim = await mintToken(gw, 'admin@example.com', ['llm', 'admin'], 'second');
    const victimId = (await gw.get<TokensService>(TokensService).list('admin@example.com')).find((t) => t.name === 'second')!.tokenId;
    expect((await call(gw, 'GET', '/api/admin/tokens?limit=1', { token: victim })).status).toBe(200);

    const res = await call<{ revoked: boolean; token: TokenRow }>(gw, 'DELETE', `/api/admin/tokens/${victimId}`, { token: adminToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revoked: true, token: { token_id: victimId, status: 'revoked', revoked_by: 'admin@example.com' } });

    expect((await call(gw, 'GET', '/api/admin/tokens?limit=1', { token: victim })).status).toBe(401);
    const revoked = await call<TokenList>(gw, 'GET', '/api/admin/tokens?status=revoked', { token: adminToken });
    expect(revoked.body.items.map((t) => t.token_id)).toEqual([victimId]);
    expect(revoked.body.revoked).toBe(1);
    // A second revoke finds no live token.
    expect((await call(gw, 'DELETE', `/api/admin/tokens/${victimId}`, { token: adminToken })).status).toBe(404);
  });

  it('answers 404 for an unknown token id and 400 for something that is not one', async () => {
    expect((await call(gw, 'DELETE', '/api/admin/tokens/AAAAAAAAAAAAAAAAAAAAAAAA', { token: adminToken })).status).toBe(404);
    expect((await call(gw, 'DELETE', '/api/admin/tokens/a*b', { token: adminToken })).status).toBe(400);
  });

  it('revokes every live token of a user', async () => {
    const res = await call(gw, 'POST', '/api/admin/tokens/revoke-user', {
      token: adminToken,
      body: { user_email: ' Alice@Example.com', reason: 'offboarded' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_email: 'alice@example.com', tokens_revoked: 4 });
    const list = await call<TokenList>(gw, 'GET', '/api/admin/tokens?email=alice@example.com', { token: adminToken });
    expect(list.body.items).toHaveLength(4);
    expect(new Set(list.body.items.map((t) => t.status))).toEqual(new Set(['revoked']));
    expect(summary(list.body)).toEqual({ total: 4, active: 0, expired: 0, revoked: 4 });
    expect((await call(gw, 'POST', '/api/admin/tokens/revoke-user', { token: adminToken, body: { user_email: 'nope' } })).status).toBe(400);
  });

  it('filters by state and by owner', async () => {
    const expired = await call<TokenList>(gw, 'GET', '/api/admin/tokens?status=expired', { token: adminToken });
    expect(expired.body.items.map((t) => t.token_id)).toEqual([ids['bob@example.com'][0]]);
    const active = await call<TokenList>(gw, 'GET', '/api/admin/tokens?status=active&limit=500', { token: adminToken });
    expect(active.body.items.every((t) => t.status === 'active')).toBe(true);
    expect(active.body.items.map((t) => t.user_email).sort()).toEqual(
      ['a*b@example.com', 'admin@example.com', 'axxb@example.com', 'bob@example.com', 'what?@example.com'].sort(),
    );
    const bob = await call<TokenList>(gw, 'GET', '/api/admin/tokens?email=bob@example.com&status=active', { token: adminToken });
    expect(bob.body.items.map((t) => t.token_id)).toEqual([ids['bob@example.com'][1]]);
    expect(summary(bob.body)).toEqual({ total: 2, active: 1, expired: 1, revoked: 0 });
  });

  it('searches emails literally: * ? [ ] \\ are plain characters', async () => {
    const search = async (q: string, match: string): Promise<string[]> => {
      const res = await call<TokenList>(gw, 'GET', `/api/admin/tokens?q=${encodeURIComponent(q)}&match=${match}`, { token: adminToken });
      expect(res.status).toBe(200);
      return [...new Set(res.body.items.map((t) => t.user_email))].sort();
    };
    expect(await search('a*b', 'prefix')).toEqual(['a*b@example.com']);
    expect(await search('A*B@', 'prefix')).toEqual(['a*b@example.com']);
    expect(await search('what?', 'prefix')).toEqual(['what?@example.com']);
    expect(await search('?', 'prefix')).toEqual([]);
    expect(await search('?', 'contains')).toEqual(['what?@example.com']);
    expect(await search('*', 'contains')).toEqual(['a*b@example.com']);
    for (const match of ['prefix', 'contains']) {
      expect(await search('[a]', match)).toEqual([]);
      expect(await search('\\', match)).toEqual([]);
    }
  });

  it('pages through every token exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/admin/tokens?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const res = await call<TokenList>(gw, 'GET', path, { token: adminToken });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((t) => t.token_id));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen).toHaveLength(11);
    expect(seen).toContain(adminTokenId);
  });

  it('refuses bad paging input with 400', async () => {
    for (const q of [
      'limit=0',
      'limit=501',
      'limit=abc',
      'limit=2.5',
      'cursor=notbase64!',
      'cursor=e30',
      'status=gone',
      'unknown=1',
      'email=not-an-email',
    ]) {
      const res = await call(gw, 'GET', `/api/admin/tokens?${q}`, { token: adminToken });
      expect([q, res.status]).toEqual([q, 400]);
    }
  });

  it("shows a banned person's live tokens as blocked (not active), counts and filters them, and active again after the unban", async () => {
    const tokens = gw.get<TokensService>(TokensService);
    const live = await tokens.create({ email: 'mallory@example.com', name: 'laptop', createdVia: 'cli' });
    const revoked = await tokens.create({ email: 'mallory@example.com', name: 'old', createdVia: 'cli' });
    await tokens.revoke('mallory@example.com', revoked.record.tokenId, 'admin@example.com');
    const before = await call<TokenList & { blocked: number }>(gw, 'GET', '/api/admin/tokens?limit=500', { token: adminToken });
    const activeBefore = before.body.active;

    const activeUsers = gw.get<ActiveUsersService>(ActiveUsersService);
    await activeUsers.ban({ email: 'mallory@example.com', bannedBy: 'admin@example.com', reason: 'test' });

    const all = await call<TokenList & { blocked: number }>(gw, 'GET', '/api/admin/tokens?limit=500', { token: adminToken });
    const statusOf = (id: string): string | undefined => all.body.items.find((t) => t.token_id === id)?.status;
    expect(statusOf(live.record.tokenId)).toBe('blocked');
    expect(statusOf(revoked.record.tokenId)).toBe('revoked');
    expect({ active: all.body.active, blocked: all.body.blocked }).toEqual({ active: activeBefore - 1, blocked: 1 });

    const blocked = await call<TokenList>(gw, 'GET', '/api/admin/tokens?status=blocked', { token: adminToken });
    expect(blocked.body.items.map((t) => [t.token_id, t.status])).toEqual([[live.record.tokenId, 'blocked']]);
    const active = await call<TokenList>(gw, 'GET', '/api/admin/tokens?status=active&limit=500', { token: adminToken });
    expect(active.body.items.map((t) => t.token_id)).not.toContain(live.record.tokenId);
    const own = await call<TokenList & { blocked: number }>(gw, 'GET', '/api/admin/tokens?email=mallory@example.com', {
      token: adminToken,
    });
    expect({ active: own.body.active, blocked: own.body.blocked, revoked: own.body.revoked }).toEqual({
      active: 0,
      blocked: 1,
      revoked: 1,
    });

    await activeUsers.unban('mallory@example.com');
    const after = await call<TokenList & { blocked: number }>(gw, 'GET', '/api/admin/tokens?email=mallory@example.com&status=active', {
      token: adminToken,
    });
    expect(after.body.items.map((t) => [t.token_id, t.status])).toEqual([[live.record.tokenId, 'active']]);
    expect(after.body.blocked).toBe(0);
  });

  it('pages through blocked tokens exactly once', async () => {
    const tokens = gw.get<TokensService>(TokensService);
    const made: string[] = [];
    for (const email of ['b1@example.com', 'b2@example.com']) {
      for (let i = 0; i < 3; i++) made.push((await tokens.create({ email, name: `b${i}`, createdVia: 'cli' })).record.tokenId);
      await gw.get<ActiveUsersService>(ActiveUsersService).ban({ email, bannedBy: 'admin@example.com' });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/admin/tokens?status=blocked&limit=4${cursor === null ? '' : `&cursor=${cursor}`}`;
      const res = await call<TokenList>(gw, 'GET', path, { token: adminToken });
      seen.push(...res.body.items.map((t) => t.token_id));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect([...seen].sort()).toEqual([...made].sort());
  });

  it('finds tokens by the start of the owner email or of the token name, each token once, alphabetically', async () => {
    const tokens = gw.get<TokensService>(TokensService);
    const laptop = await tokens.create({ email: 'lqra@example.com', name: 'Lqtop claude', createdVia: 'cli' });
    const lapdog = await tokens.create({ email: 'zed@example.com', name: 'lqdog', createdVia: 'cli' });
    const other = await tokens.create({ email: 'lqin@example.com', name: 'desk', createdVia: 'cli' });
    const res = await call<TokenList>(gw, 'GET', '/api/admin/tokens?q=lq', { token: adminToken });
    // Filed under: "lapdog" (name), "lqin@…" (owner), "lqra@…" (owner; its name "laptop claude" also matches, listed once).
    expect(res.body.items.map((t) => t.token_id)).toEqual([lapdog.record.tokenId, other.record.tokenId, laptop.record.tokenId]);
    const byName = await call<TokenList>(gw, 'GET', '/api/admin/tokens?q=LQTOP%20C', { token: adminToken });
    expect(byName.body.items.map((t) => t.token_id)).toEqual([laptop.record.tokenId]);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/admin/tokens?q=lq&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await call<TokenList>(gw, 'GET', path, { token: adminToken });
      paged.push(...page.body.items.map((t) => t.token_id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual(res.body.items.map((t) => t.token_id));
    // Filters still apply to a search; revoked tokens stay findable.
    await tokens.revoke('zed@example.com', lapdog.record.tokenId, 'admin@example.com');
    const revoked = await call<TokenList>(gw, 'GET', '/api/admin/tokens?q=lq&status=revoked', { token: adminToken });
    expect(revoked.body.items.map((t) => [t.token_id, t.status])).toEqual([[lapdog.record.tokenId, 'revoked']]);
    const mine = await call<TokenList>(gw, 'GET', '/api/admin/tokens?q=lqt&email=lqra@example.com', { token: adminToken });
    expect(mine.body.items.map((t) => t.token_id)).toEqual([laptop.record.tokenId]);
  });
});
