import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

describe('admin list management (/api/admin/manage) and the admin guard', () => {
  let redis: TestRedis;
  let gw: TestApp;
  let superToken: string;
  let envAdminToken: string;
  let userToken: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestApp(
      testEnv(redis.url, {
        SUPER_ADMIN_EMAIL: 'root@example.com',
        ADMIN_EMAILS: 'ops@example.com',
        ADMIN_DOMAINS: 'admins.example.org',
      }),
    );
    superToken = await mintToken(gw, 'root@example.com');
    envAdminToken = await mintToken(gw, 'ops@example.com');
    userToken = await mintToken(gw, 'someone@example.com');
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('refuses every admin route without credentials (401)', async () => {
    for (const [method, path] of [
      ['GET', '/api/admin/manage'],
      ['POST', '/api/admin/manage'],
      ['DELETE', '/api/admin/manage'],
      ['GET', '/api/admin/audit'],
    ]) {
      const res = await call(gw, method, path, { body: method === 'GET' ? undefined : { email: 'x@example.com' } });
      expect([method, path, res.status]).toEqual([method, path, 401]);
    }
  });

  it('lists environment admins as not removable', async () => {
    const res = await call(gw, 'GET', '/api/admin/manage', { token: superToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      next_cursor: null,
      admin_domains: ['admins.example.org'],
      items: [
        { email: 'root@example.com', source: 'super_admin', removable: false },
        { email: 'ops@example.com', source: 'env', removable: false },
      ],
    });
  });

  it('lets only the super admin change the list (403 for an env admin, nothing added)', async () => {
    const res = await call(gw, 'POST', '/api/admin/manage', { token: envAdminToken, body: { email: 'carol@example.com' } });
    expect(res.status).toBe(403);
    expect(await redis.client().hexists(`${gw.config.redis.keyPrefix}admins`, 'carol@example.com')).toBe(0);
  });

  it('adds a run-time admin who can then use admin routes, and removes them again', async () => {
    const carolToken = await mintToken(gw, 'carol@example.com');
    expect((await call(gw, 'GET', '/api/admin/audit', { token: carolToken })).status).toBe(403);

    const added = await call(gw, 'POST', '/api/admin/manage', { token: superToken, body: { email: ' Carol@Example.com ' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: 'carol@example.com', source: 'runtime', removable: true, added_by: 'root@example.com' });

    expect((await call(gw, 'GET', '/api/admin/audit', { token: carolToken })).status).toBe(200);
    const list = await call<{ items: Array<{ email: string; removable: boolean }> }>(gw, 'GET', '/api/admin/manage', { token: superToken });
    expect(list.body.items).toContainEqual(expect.objectContaining({ email: 'carol@example.com', removable: true }));

    const removed = await call(gw, 'DELETE', '/api/admin/manage', { token: superToken, body: { email: 'carol@example.com' } });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ email: 'carol@example.com', removed: true });
    // Admin rights end with the list entry, whatever tokens the person still holds.
    expect((await call(gw, 'GET', '/api/admin/audit', { token: carolToken })).status).toBe(403);
  });

  it('refuses to remove an environment admin (409) and keeps them', async () => {
    for (const email of ['ops@example.com', 'root@example.com', 'anyone@admins.example.org']) {
      const res = await call(gw, 'DELETE', '/api/admin/manage', { token: superToken, body: { email } });
      expect([email, res.status, (res.body as { code?: string }).code]).toEqual([email, 409, 'admin_not_removable']);
    }
    expect((await call(gw, 'GET', '/api/admin/audit', { token: envAdminToken })).status).toBe(200);
  });

  it('answers 404 for an unknown admin, 400 for a bad email, 409 for adding an env admin', async () => {
    expect((await call(gw, 'DELETE', '/api/admin/manage', { token: superToken, body: { email: 'nobody@example.com' } })).status).toBe(404);
    expect((await call(gw, 'POST', '/api/admin/manage', { token: superToken, body: { email: 'not an email' } })).status).toBe(400);
    expect((await call(gw, 'POST', '/api/admin/manage', { token: superToken, body: { email: 'a@b.com', extra: 1 } })).status).toBe(400);
    expect((await call(gw, 'POST', '/api/admin/manage', { token: superToken, body: { email: 'ops@example.com' } })).status).toBe(409);
  });

  it('refuses an admin whose token lacks the admin scope, and a non-admin with an admin-scoped token', async () => {
    const llmOnly = await mintToken(gw, 'ops@example.com', ['llm']);
    const res = await call(gw, 'GET', '/api/admin/audit', { token: llmOnly });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, code: 'admin_scope_required' });
    const denied = await call(gw, 'GET', '/api/admin/audit', { token: userToken });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'not_admin' });
  });

  it('records admin list changes in the audit trail, refusals as denied', async () => {
    await call(gw, 'POST', '/api/admin/manage', {
      token: superToken,
      body: { email: 'dave@example.com' },
      headers: { 'x-request-id': 'req-add-dave' },
    });
    const refused = await call(gw, 'POST', '/api/admin/manage', { token: envAdminToken, body: { email: 'eve@example.com' } });
    expect(refused.status).toBe(403);
    const res = await call<{ items: Array<Record<string, unknown>>; total: number }>(gw, 'GET', '/api/admin/audit?action=admin.add', {
      token: envAdminToken,
    });
    expect(res.status).toBe(200);
    const dave = res.body.items.find((e) => e.target === 'dave@example.com');
    expect(dave).toMatchObject({
      actor: 'root@example.com',
      action: 'admin.add',
      outcome: 'success',
      status: 201,
      request_id: 'req-add-dave',
      actor_method: 'jwt',
    });
    const eve = res.body.items.find((e) => e.target === 'eve@example.com');
    expect(eve).toMatchObject({
      actor: 'ops@example.com',
      outcome: 'denied',
      status: 403,
      request_id: refused.headers.get('x-request-id'),
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
