/**
 * The admin hierarchy over REST, end to end: nobody bans the super admin or revokes their tokens or
 * sessions; only the super admin does that to an admin (from ADMIN_EMAILS, ADMIN_DOMAINS or added at
 * run time); each refusal is a 403 that changes nothing and is in the audit trail. The operator's
 * CLI (compiled dist/cli.js, needs `nest build`) is root on the host and not held to it.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { sessionIdOf } from '../src/sessions/session-data.js';
import { call, mintToken } from './support/admin-client.js';
import type { Browser } from './support/browser.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort, startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const ROOT = 'root@example.com';
const OPS = 'ops@example.com';
const DOMAIN_ADMIN = 'dom@admins.example.org';
const RUNTIME_ADMIN = 'rt@example.com';
const PERSON = 'person@example.com';
/** Exit 0; on failure the CLI's stderr is the message, so a red run says why. */
function expectSuccess(run: { status: number | null; stderr: string }): void {
  if (run.status !== 0) throw new Error(`CLI exited ${String(run.status)}: ${run.stderr}`);
}

const person = (email: string): DemoOidcUser => ({ email, password: `pw-${email}`, name: email });

describe('admin hierarchy', () => {
  let redis: TestRedis;
  let provider: TestOidcProvider;
  let gw: TestApp;
  let env: Record<string, string>;
  let keys: RedisKeys;

  /** A fresh admin-scoped token of `email`, so each test is independent of what others revoked. */
  const adminToken = (email: string): Promise<string> => mintToken(gw, email, ['llm', 'admin'], 'hierarchy');
  const tokenIdOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
  const works = async (token: string): Promise<boolean> => (await call(gw, 'GET', '/api/me', { token })).status === 200;
  const banned = async (email: string): Promise<boolean> => (await redis.client().exists(keys.ban(email))) === 1;
  const ban = async (actor: string, target: string): Promise<{ status: number; body: Record<string, unknown> }> =>
    call(gw, 'POST', '/api/admin/sessions/revoke-user', { token: await adminToken(actor), body: { user_email: target } });
  const unban = async (target: string): Promise<void> => {
    expect((await call(gw, 'DELETE', `/api/admin/sessions/unban/${target}`, { token: await adminToken(ROOT) })).status).toBe(200);
  };
  const signedIn = async (email: string): Promise<Browser> => {
    const browser = provider.newBrowser();
    expect((await signIn(browser, gw.url, person(email))).response.status).toBe(302);
    return browser;
  };
  const sessionIdOfBrowser = (browser: Browser): string => {
    const signed = decodeURIComponent(browser.cookie(gw.url, 'llmgw.sid') ?? '');
    return sessionIdOf(signed.slice(2, signed.lastIndexOf('.')));
  };
  const cli = (...args: string[]): { status: number | null; stderr: string } => {
    const { PATH, HOME } = process.env;
    const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env }, encoding: 'utf8', timeout: 20_000 });
    return { status: run.status, stderr: run.stderr };
  };

  beforeAll(async () => {
    const gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [ROOT, OPS, DOMAIN_ADMIN, RUNTIME_ADMIN, PERSON].map(person));
    redis = await startTestRedis();
    env = testEnv(redis.url, {
      ...auth0Env(provider, gwUrl),
      SUPER_ADMIN_EMAIL: ROOT,
      ADMIN_EMAILS: OPS,
      ADMIN_DOMAINS: 'admins.example.org',
      TOKENS_PER_USER_MAX: '200',
    });
    gw = await startTestApp(env);
    keys = gw.get<RedisKeys>(RedisKeys);
    const added = await call(gw, 'POST', '/api/admin/manage', { token: await adminToken(ROOT), body: { email: RUNTIME_ADMIN } });
    expect(added.status).toBe(201);
  });
  afterAll(async () => {
    await gw?.close();
    await provider?.close();
    await redis?.close();
  });

  describe('bans', () => {
    it.each([OPS, DOMAIN_ADMIN, RUNTIME_ADMIN])('nobody bans the super admin: %s gets 403 and nothing changes', async (actor) => {
      const rootToken = await adminToken(ROOT);
      const res = await ban(actor, ROOT);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        statusCode: 403,
        error: 'Forbidden',
        code: 'target_is_super_admin',
        message: 'Nobody may ban the super admin or revoke their tokens or sessions',
      });
      expect(await banned(ROOT)).toBe(false);
      expect(await works(rootToken)).toBe(true);
    });

    it.each([
      [OPS, RUNTIME_ADMIN],
      [OPS, DOMAIN_ADMIN],
      [RUNTIME_ADMIN, OPS],
      [DOMAIN_ADMIN, RUNTIME_ADMIN],
    ])('an admin below the super admin cannot ban another admin: %s -> %s is 403', async (actor, target) => {
      const res = await ban(actor, target);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        code: 'target_is_admin',
        message: `${target} is an admin: only the super admin may ban them or revoke their tokens or sessions`,
      });
      expect(await banned(target)).toBe(false);
    });

    it.each([OPS, DOMAIN_ADMIN, RUNTIME_ADMIN])('the super admin bans the admin %s', async (target) => {
      const res = await ban(ROOT, target);
      expect(res.status).toBe(200);
      expect(await banned(target)).toBe(true);
      await unban(target);
    });

    it('any admin bans a person who is not an admin', async () => {
      expect((await ban(OPS, PERSON)).status).toBe(200);
      expect(await banned(PERSON)).toBe(true);
      await unban(PERSON);
    });

    it('records the refusal in the audit trail: actor, target, 403 and why', async () => {
      await ban(OPS, ROOT);
      const res = await call<{ items: Array<Record<string, unknown>> }>(
        gw,
        'GET',
        `/api/admin/audit?action=user.ban&target=${ROOT}&actor=${OPS}`,
        { token: await adminToken(ROOT) },
      );
      expect(res.status).toBe(200);
      expect(res.body.items[0]).toMatchObject({
        actor: OPS,
        action: 'user.ban',
        target: ROOT,
        status: 403,
        outcome: 'failure',
        detail: 'Nobody may ban the super admin or revoke their tokens or sessions',
      });
    });
  });

  describe('tokens', () => {
    it('nobody revokes a token of the super admin, one by one or all at once', async () => {
      const rootToken = await adminToken(ROOT);
      const one = await call(gw, 'DELETE', `/api/admin/tokens/${tokenIdOf(rootToken)}`, { token: await adminToken(OPS) });
      expect(one.status).toBe(403);
      expect(one.body).toMatchObject({ code: 'target_is_super_admin' });
      const all = await call(gw, 'POST', '/api/admin/tokens/revoke-user', {
        token: await adminToken(RUNTIME_ADMIN),
        body: { user_email: ROOT },
      });
      expect(all.status).toBe(403);
      expect(all.body).toMatchObject({ code: 'target_is_super_admin' });
      expect(await works(rootToken)).toBe(true);
    });

    it("only the super admin revokes an admin's tokens", async () => {
      const opsToken = await adminToken(OPS);
      const byPeer = await call(gw, 'DELETE', `/api/admin/tokens/${tokenIdOf(opsToken)}`, { token: await adminToken(DOMAIN_ADMIN) });
      expect(byPeer.status).toBe(403);
      expect(byPeer.body).toMatchObject({ code: 'target_is_admin' });
      const allByPeer = await call(gw, 'POST', '/api/admin/tokens/revoke-user', {
        token: await adminToken(OPS),
        body: { user_email: RUNTIME_ADMIN },
      });
      expect(allByPeer.status).toBe(403);
      expect(await works(opsToken)).toBe(true);

      const byRoot = await call(gw, 'DELETE', `/api/admin/tokens/${tokenIdOf(opsToken)}`, { token: await adminToken(ROOT) });
      expect(byRoot.status).toBe(200);
      expect(await works(opsToken)).toBe(false);
      const domToken = await adminToken(DOMAIN_ADMIN);
      const allByRoot = await call(gw, 'POST', '/api/admin/tokens/revoke-user', {
        token: await adminToken(ROOT),
        body: { user_email: DOMAIN_ADMIN },
      });
      expect(allByRoot.status).toBe(200);
      expect(await works(domToken)).toBe(false);
    });

    it("an admin revokes a person's token and their own", async () => {
      const personToken = await mintToken(gw, PERSON, ['llm']);
      expect((await call(gw, 'DELETE', `/api/admin/tokens/${tokenIdOf(personToken)}`, { token: await adminToken(OPS) })).status).toBe(200);
      const own = await adminToken(OPS);
      expect((await call(gw, 'DELETE', `/api/admin/tokens/${tokenIdOf(own)}`, { token: await adminToken(OPS) })).status).toBe(200);
      expect(await works(own)).toBe(false);
    });
  });

  describe('sessions (force logout)', () => {
    it("nobody ends a session of the super admin; only the super admin ends an admin's", async () => {
      const rootBrowser = await signedIn(ROOT);
      const rtBrowser = await signedIn(RUNTIME_ADMIN);
      const refusedRoot = await call(gw, 'DELETE', `/api/admin/sessions/${sessionIdOfBrowser(rootBrowser)}`, {
        token: await adminToken(OPS),
      });
      expect(refusedRoot.status).toBe(403);
      expect(refusedRoot.body).toMatchObject({ code: 'target_is_super_admin' });
      const refusedAdmin = await call(gw, 'DELETE', `/api/admin/sessions/${sessionIdOfBrowser(rtBrowser)}`, {
        token: await adminToken(OPS),
      });
      expect(refusedAdmin.status).toBe(403);
      expect(refusedAdmin.body).toMatchObject({ code: 'target_is_admin' });
      expect((await rootBrowser.get(`${gw.url}/api/me`)).status).toBe(200);
      expect((await rtBrowser.get(`${gw.url}/api/me`)).status).toBe(200);

      const ended = await call(gw, 'DELETE', `/api/admin/sessions/${sessionIdOfBrowser(rtBrowser)}`, { token: await adminToken(ROOT) });
      expect(ended.status).toBe(200);
      expect((await rtBrowser.get(`${gw.url}/api/me`)).status).toBe(401);
      const audit = await call<{ items: Array<Record<string, unknown>> }>(
        gw,
        'GET',
        `/api/admin/audit?action=session.delete&actor=${OPS}`,
        { token: await adminToken(ROOT) },
      );
      expect(audit.body.items.map((e) => e.status)).toEqual([403, 403]);
    });

    it("an admin ends a person's session", async () => {
      const browser = await signedIn(PERSON);
      expect(
        (await call(gw, 'DELETE', `/api/admin/sessions/${sessionIdOfBrowser(browser)}`, { token: await adminToken(OPS) })).status,
      ).toBe(200);
      expect((await browser.get(`${gw.url}/api/me`)).status).toBe(401);
    });
  });

  describe("the operator's CLI", () => {
    it("is root on the host: it bans an admin and revokes the super admin's token", async () => {
      expectSuccess(cli('ban', '--email', OPS));
      expect(await banned(OPS)).toBe(true);
      expectSuccess(cli('unban', '--email', OPS));
      const rootToken = await adminToken(ROOT);
      expectSuccess(cli('token', 'revoke', '--id', tokenIdOf(rootToken)));
      expect(await works(rootToken)).toBe(false);
    });
  });
});
