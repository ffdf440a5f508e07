/**
 * The admin API with browser sessions: an admin working from a signed-in browser (CSRF rules
 * apply), and the BAN stopping a browser user and a JWT user of the same person at once.
 */
import { createContext, runInContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import type { Browser, BrowserResponse } from './support/browser.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

const user = (email: string): DemoOidcUser => ({ email, password: `pw-${email}`, name: `Name of ${email}` });
const ADMIN = user('admin@example.com');
const BOB = user('bob@example.com');
const PLAIN = user('plain@example.com');

interface UserRow {
  email: string;
  auth_methods: string[];
  session_count: number;
  token_count: number;
  is_banned: boolean;
}

describe('admin API from a browser session, and the BAN of a browser user', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;

  const signedIn = async (u: DemoOidcUser): Promise<Browser> => {
    const browser = provider.newBrowser();
    const { response } = await signIn(browser, gwUrl, u);
    expect(response.status).toBe(302);
    return browser;
  };
  const me = (browser: Browser): Promise<BrowserResponse> => browser.get(`${gwUrl}/api/me`);
  const csrf = async (browser: Browser): Promise<string> => (await me(browser)).json<{ csrf_token: string }>().csrf_token;
  const llm = (token: string): Promise<Response> => fetch(`${gwUrl}/v1/models`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [ADMIN, BOB, PLAIN]);
    stack = await startGatewayStack({ env: { ...auth0Env(provider, gwUrl), ADMIN_EMAILS: ADMIN.email } });
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  it("lets an admin's browser session read admin lists, and refuses a non-admin's (403)", async () => {
    const admin = await signedIn(ADMIN);
    expect((await admin.get(`${gwUrl}/api/admin/bans`)).status).toBe(200);
    const plain = await signedIn(PLAIN);
    expect((await plain.get(`${gwUrl}/api/admin/bans`)).status).toBe(403);
    expect((await provider.newBrowser().get(`${gwUrl}/api/admin/bans`)).status).toBe(401);
  });

  it('needs the CSRF token for a ban from the browser; without it nothing changes', async () => {
    const admin = await signedIn(ADMIN);
    const refused = await admin.post(`${gwUrl}/api/admin/sessions/revoke-user`, { json: { user_email: PLAIN.email } });
    expect(refused.status).toBe(403);
    expect(await stack.redis.client().exists(stack.keys.ban(PLAIN.email))).toBe(0);
  });

  it('BAN ends every browser session and blocks every token of the user on the next request; unban restores', async () => {
    const bobBrowser = await signedIn(BOB);
    const bobPhone = await signedIn(BOB);
    const { token } = await stack.mint(BOB.email, { name: 'cli' });
    expect((await llm(token)).status).toBe(200);
    expect((await me(bobBrowser)).status).toBe(200);

    const admin = await signedIn(ADMIN);
    const users = await admin.get(`${gwUrl}/api/admin/sessions/active-users?q=bob`);
    const row = users.json<{ items: UserRow[] }>().items[0];
    expect(row).toMatchObject({ email: BOB.email, session_count: 2, token_count: 1, is_banned: false });
    expect([...row.auth_methods].sort()).toEqual(['jwt', 'oauth2']);

    const ban = await admin.post(`${gwUrl}/api/admin/sessions/revoke-user`, {
      json: { user_email: BOB.email, reason: 'compromised laptop' },
      headers: { 'x-csrf-token': await csrf(admin) },
    });
    expect(ban.status).toBe(200);
    expect(ban.json()).toMatchObject({ user_email: BOB.email, sessions_ended: 2, tokens_blocked: 1 });

    // The open pages learn of the ban on their next request: 403 with the ban, not a 401 that would send them to sign in.
    for (const browser of [bobBrowser, bobPhone]) {
      const answer = await me(browser);
      expect(answer.status).toBe(403);
      expect(answer.json()).toMatchObject({
        statusCode: 403,
        code: 'user_banned',
        ban: { email: BOB.email, reason: 'compromised laptop', banned_until: ban.json<{ banned_until: string }>().banned_until },
      });
      expect(answer.json<{ ban: { remaining_seconds: number } }>().ban.remaining_seconds).toBeGreaterThan(0);
      expect(answer.json<{ ban: Record<string, unknown> }>().ban).not.toHaveProperty('banned_by');
      // Every other route too, and nothing of the person's is reachable through the old cookie.
      expect((await browser.get(`${gwUrl}/api/token/list`)).status).toBe(403);
    }
    const refused = await llm(token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('user_banned');
    expect(await stack.redis.client().zcard(stack.keys.userSessions(BOB.email))).toBe(0);
    expect((await admin.get(`${gwUrl}/api/admin/sessions?q=bob`)).json<{ items: unknown[] }>().items).toEqual([]);

    const banned = await admin.get(`${gwUrl}/api/admin/bans`);
    expect(banned.json<{ items: Array<{ email: string; banned_by: string; reason: string }> }>().items).toEqual([
      expect.objectContaining({ email: BOB.email, banned_by: ADMIN.email, reason: 'compromised laptop' }),
    ]);

    const unban = await admin.request(`${gwUrl}/api/admin/sessions/unban/${encodeURIComponent(BOB.email)}`, {
      method: 'DELETE',
      headers: { 'x-csrf-token': await csrf(admin) },
    });
    expect(unban.status).toBe(200);
    expect((await llm(token)).status).toBe(200);
    // The ended sessions stay ended (the ban notice now answers 401: sign in); signing in again works.
    expect((await me(bobBrowser)).status).toBe(401);
    expect((await me(await signedIn(BOB))).status).toBe(200);
  });

  it('records browser admin actions with the oauth2 method in the audit trail', async () => {
    const admin = await signedIn(ADMIN);
    const res = await admin.get(`${gwUrl}/api/admin/audit?target=${encodeURIComponent(BOB.email)}`);
    const entries = res.json<{ items: Array<{ action: string; actor: string; actor_method: string; outcome: string }> }>().items;
    expect(entries.map((e) => [e.action, e.actor, e.actor_method, e.outcome])).toEqual([
      ['user.unban', ADMIN.email, 'oauth2', 'success'],
      ['user.ban', ADMIN.email, 'oauth2', 'success'],
    ]);
  });

  it("lets Swagger UI's Try it out make unsafe calls from an admin's browser: its request interceptor adds the CSRF token", async () => {
    const admin = await signedIn(ADMIN);
    // The script Swagger UI loads, run against this admin's browser (its cookie jar) as the page's window.
    const source = (await admin.get(`${gwUrl}/docs/gateway-csrf.js`)).body;
    const window: Record<string, unknown> = {
      location: { href: `${gwUrl}/docs`, origin: gwUrl },
      fetch: async (url: string) => {
        const res = await admin.get(url, { headers: { accept: 'application/json' } });
        return { ok: res.status === 200, json: () => Promise.resolve(res.json()) };
      },
    };
    runInContext(source, createContext({ window, URL, String }));
    type Req = { url: string; method: string; headers: Record<string, string>; body?: string };
    const intercept = window.llmGatewayRequestInterceptor as (r: Req) => Req | Promise<Req>;

    const body = JSON.stringify({ user_email: 'swagger-target@example.com' });
    const request = await intercept({
      url: `${gwUrl}/api/admin/sessions/logout-user`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(request.headers['X-CSRF-Token']).toBe(await csrf(admin));
    const sent = await admin.request(request.url, { method: request.method, headers: request.headers, json: JSON.parse(body) as unknown });
    expect(sent.status).toBe(200);
    // Reads, and calls to another origin, go out untouched.
    expect(await intercept({ url: `${gwUrl}/api/admin/bans`, method: 'GET', headers: {} })).toEqual({
      url: `${gwUrl}/api/admin/bans`,
      method: 'GET',
      headers: {},
    });
    expect((await intercept({ url: 'https://elsewhere.example/api', method: 'POST', headers: {} })).headers).toEqual({});
  });

  it('shows a banned person who navigates a page with the ban, the reason as text (markup is not run)', async () => {
    const eve = user('eve@example.com');
    provider.setUser(eve);
    const browser = await signedIn(eve);
    await stack.activeUsers.ban({ email: eve.email, bannedBy: ADMIN.email, reason: '<img src=x onerror=alert(1)>' });
    const page = await browser.get(`${gwUrl}/api/me`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<h1>Access suspended</h1>');
    expect(page.body).toContain('Reason: &lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<img');
    expect(page.body).not.toContain('/auth/login');
  });
});
