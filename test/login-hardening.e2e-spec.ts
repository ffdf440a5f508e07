/**
 * Hardening of browser login and sessions, end to end: the real app, a real redis-server and a real
 * OpenID provider standing in for Auth0. Logout changes state only by POST with the CSRF token;
 * paths are matched one way (case variants are 404, never a way around the session middleware);
 * a ban racing logins leaves no session behind; a session cookie and a Bearer token of two
 * different people on /api are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { sessionIdOf } from '../src/sessions/session-data.js';
import type { Browser, BrowserResponse } from './support/browser.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, passProvider, signIn, startLogin, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

const COOKIE = 'llmgw.sid';
const user = (email: string): DemoOidcUser => ({ email, password: `pw-${email}`, name: `Name of ${email}` });
const ADMIN = user('admin@example.com');

describe('login hardening', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;
  let serial = 0;

  const freshUser = (): DemoOidcUser => {
    const u = user(`hard${++serial}@example.com`);
    provider.setUser(u);
    return u;
  };
  const signedIn = async (u: DemoOidcUser, returnTo?: string): Promise<Browser> => {
    const browser = provider.newBrowser();
    const { response } = await signIn(browser, gwUrl, u, returnTo);
    expect(response.status).toBe(302);
    return browser;
  };
  const me = (browser: Browser): Promise<BrowserResponse> => browser.get(`${gwUrl}/api/me`);
  const csrf = async (browser: Browser): Promise<string> => (await me(browser)).json<{ csrf_token: string }>().csrf_token;
  const sessionIdOfBrowser = (browser: Browser): string => {
    const signed = decodeURIComponent(browser.cookie(gwUrl, COOKIE) ?? '');
    return sessionIdOf(signed.slice(2, signed.lastIndexOf('.')));
  };
  const sessionAlive = async (browser: Browser): Promise<boolean> =>
    (await stack.redis.client().exists(stack.keys.session(sessionIdOfBrowser(browser)))) === 1 && (await me(browser)).status === 200;
  const clearsCookie = (res: BrowserResponse): boolean => (res.headers['set-cookie'] ?? []).some((c) => c.startsWith(`${COOKIE}=;`));

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [ADMIN]);
    stack = await startGatewayStack({ env: { ...auth0Env(provider, gwUrl), ADMIN_EMAILS: ADMIN.email } });
  });

  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  describe('logout changes state only by POST with the CSRF token', () => {
    it.each([
      ['a same-site link', { 'sec-fetch-site': 'same-origin' }],
      ['a cross-site link', { 'sec-fetch-site': 'cross-site' }],
      ['a link with no fetch metadata', {}],
    ])('GET /auth/logout from %s shows a confirm form and ends nothing', async (_from, headers) => {
      const browser = await signedIn(freshUser());
      const token = await csrf(browser);
      const res = await browser.get(`${gwUrl}/auth/logout`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<form method="post" action="/auth/logout">');
      expect(res.body).toContain(`<input type="hidden" name="csrf_token" value="${token}">`);
      expect(res.body).not.toMatch(/<script/i);
      expect(clearsCookie(res)).toBe(false);
      expect(await sessionAlive(browser)).toBe(true);
    });

    it('HEAD /auth/logout ends nothing', async () => {
      const browser = await signedIn(freshUser());
      const res = await browser.request(`${gwUrl}/auth/logout`, { method: 'HEAD', headers: { 'sec-fetch-site': 'same-origin' } });
      expect(res.status).toBe(200);
      expect(clearsCookie(res)).toBe(false);
      expect(await sessionAlive(browser)).toBe(true);
    });

    it('the confirm form, posted back with its csrf_token, ends the session', async () => {
      const browser = await signedIn(freshUser());
      const page = await browser.get(`${gwUrl}/auth/logout`);
      const field = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const res = await browser.post(`${gwUrl}/auth/logout`, {
        form: { csrf_token: field },
        headers: { origin: gwUrl, 'sec-fetch-site': 'same-origin' },
      });
      expect(res.status).toBe(302);
      expect(clearsCookie(res)).toBe(true);
      expect((await me(browser)).status).toBe(401);
    });

    it('GET /auth/logout without a session says there is none', async () => {
      const res = await provider.newBrowser().get(`${gwUrl}/auth/logout`);
      expect(res.status).toBe(200);
      expect(res.body).toContain('no session');
      expect(res.body).not.toContain('<form');
    });
  });

  describe('paths are matched one way', () => {
    it.each(['/AUTH/logout', '/Auth/Logout', '/auth/LOGOUT', '//auth/logout', '/%61uth/logout', '/auth//logout'])(
      'POST %s without the CSRF token is a 404 that ends nothing and keeps the cookie',
      async (path) => {
        const browser = await signedIn(freshUser());
        const res = await browser.post(`${gwUrl}${path}`, { headers: { accept: 'application/json' } });
        expect([path, res.status]).toEqual([path, 404]);
        expect(clearsCookie(res)).toBe(false);
        expect(await sessionAlive(browser)).toBe(true);
      },
    );

    it('POST /auth/logout/ (trailing slash) is the canonical route: refused without the CSRF token, a logout with it', async () => {
      const browser = await signedIn(freshUser());
      const refused = await browser.post(`${gwUrl}/auth/logout/`, { headers: { accept: 'application/json' } });
      expect(refused.status).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'csrf_failed' });
      expect(clearsCookie(refused)).toBe(false);
      expect(await sessionAlive(browser)).toBe(true);
      const done = await browser.post(`${gwUrl}/auth/logout/`, { headers: { 'x-csrf-token': await csrf(browser) } });
      expect(done.status).toBe(302);
      expect((await me(browser)).status).toBe(401);
    });

    it('GET /auth/logout/ (trailing slash) shows the confirm form like the canonical path', async () => {
      const browser = await signedIn(freshUser());
      const res = await browser.get(`${gwUrl}/auth/logout/`, { headers: { 'sec-fetch-site': 'same-origin' } });
      expect(res.status).toBe(200);
      expect(res.body).toContain('name="csrf_token"');
      expect(await sessionAlive(browser)).toBe(true);
    });

    it.each(['/API/me', '/api/ME', '/Api/Me', '//api/me', '/%61pi/me'])('GET %s with a session cookie is a 404', async (path) => {
      const browser = await signedIn(freshUser());
      const res = await browser.get(`${gwUrl}${path}`, { headers: { accept: 'application/json' } });
      expect([path, res.status]).toEqual([path, 404]);
    });

    it('GET /api/me/ (trailing slash) answers like /api/me', async () => {
      const u = freshUser();
      const browser = await signedIn(u);
      const res = await browser.get(`${gwUrl}/api/me/`);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ email: u.email, auth_method: 'oauth2' });
    });

    it('admin routes in another case are 404 for a session (even without CSRF) and for a token', async () => {
      const admin = await signedIn(ADMIN);
      const victim = await signedIn(freshUser());
      const id = sessionIdOfBrowser(victim);
      for (const path of [`/api/ADMIN/sessions/${id}`, `/API/admin/sessions/${id}`, `/api/admin/Sessions/${id}`]) {
        const res = await admin.request(`${gwUrl}${path}`, { method: 'DELETE', headers: { accept: 'application/json' } });
        expect([path, res.status]).toEqual([path, 404]);
      }
      expect(await sessionAlive(victim)).toBe(true);

      const { token } = await stack.mint(ADMIN.email, { scopes: ['llm', 'admin'], name: 'case' });
      const auth = { authorization: `Bearer ${token}` };
      for (const path of ['/API/token/list', '/api/TOKEN/list', '/api/ADMIN/sessions', '/Api/admin/bans']) {
        const res = await fetch(`${gwUrl}${path}`, { headers: auth });
        expect([path, res.status]).toEqual([path, 404]);
      }
      const generate = await fetch(`${gwUrl}/API/token/generate`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ token_name: 'x' }),
      });
      expect(generate.status).toBe(404);
      expect((await fetch(`${gwUrl}/api/token/list`, { headers: auth })).status).toBe(200);
    });

    it.each(['/AUTH/logout', '/Auth/Logout', '/AUTH/login', '/auth/logout/', '/Auth', '/%61uth/logout'])(
      'returnTo=%s lands on /',
      async (returnTo) => {
        const browser = provider.newBrowser();
        const { response } = await signIn(browser, gwUrl, freshUser(), returnTo);
        expect(response.status).toBe(302);
        expect(response.location).toBe(`${gwUrl}/`);
      },
    );
  });

  describe('a ban racing logins leaves nothing behind', () => {
    it('20 callbacks in flight while the user is banned: no session of theirs is left, none works after the unban', async () => {
      const u = freshUser();
      // Twenty browsers each stop at the gateway's callback, with a code the provider has issued.
      const pending = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const browser = provider.newBrowser();
          const login = await startLogin(browser, gwUrl);
          const callbackUrl = await passProvider(browser, login.location ?? '', u, gwUrl);
          return { browser, callbackUrl };
        }),
      );
      const callbacks = pending.map(({ browser, callbackUrl }) => browser.get(callbackUrl));
      // The ban goes out once the first callback has been answered, while the others are in flight.
      const ban = Promise.race(callbacks).then(() => stack.activeUsers.ban({ email: u.email, bannedBy: ADMIN.email }));
      const answers = await Promise.all(callbacks);
      await ban;
      for (const answer of answers) expect([302, 403]).toContain(answer.status);

      const client = stack.redis.client();
      expect(await client.zcard(stack.keys.userSessions(u.email))).toBe(0);
      for (const { browser } of pending) {
        if (browser.cookie(gwUrl, COOKIE) === undefined) continue;
        // Gone, or the ban's notice in its place: never a sign-in.
        const record = await client.get(stack.keys.session(sessionIdOfBrowser(browser)));
        if (record !== null) expect(JSON.parse(record)).not.toHaveProperty('auth');
      }
      expect(await stack.activeUsers.unban(u.email)).toBe(true);
      const after = await Promise.all(pending.map(({ browser }) => me(browser)));
      expect(after.map((r) => r.status)).toEqual(pending.map(() => 401));
    });

    it('a callback answered after the ban sets no session and lands on / with the ban (403 user_banned from /api/me)', async () => {
      const u = freshUser();
      const browser = provider.newBrowser();
      const login = await startLogin(browser, gwUrl);
      const callbackUrl = await passProvider(browser, login.location ?? '', u, gwUrl);
      await stack.activeUsers.ban({ email: u.email, bannedBy: ADMIN.email });
      const res = await browser.get(callbackUrl);
      expect(res.status).toBe(302);
      expect(res.location).toBe(`${gwUrl}/`);
      const refused = await me(browser);
      expect(refused.status).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'user_banned', ban: { email: u.email } });
      expect(await stack.redis.client().zcard(stack.keys.userSessions(u.email))).toBe(0);
      await stack.activeUsers.unban(u.email);
      expect((await me(browser)).status).toBe(401);
    });
  });

  describe('a session cookie and a Bearer token on /api', () => {
    it('refuses a session of one user with a token of another (401), on reads and writes', async () => {
      const alice = freshUser();
      const browser = await signedIn(alice);
      const token = await csrf(browser);
      const { token: mallory } = await stack.mint('mallory@example.com', { name: 'other' });
      const read = await browser.get(`${gwUrl}/api/me`, { headers: { authorization: `Bearer ${mallory}` } });
      expect(read.status).toBe(401);
      expect(read.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'conflicting_credentials' });
      const write = await browser.post(`${gwUrl}/api/token/generate`, {
        json: { token_name: 'x' },
        headers: { authorization: `Bearer ${mallory}`, 'x-csrf-token': token },
      });
      expect(write.status).toBe(401);
      expect(write.json()).toMatchObject({ code: 'conflicting_credentials' });
      const viaApiKey = await browser.get(`${gwUrl}/api/token/list`, { headers: { 'x-api-key': mallory } });
      expect(viaApiKey.status).toBe(401);
      expect(await stack.tokens.list('mallory@example.com')).toHaveLength(1);
      expect(await stack.tokens.list(alice.email)).toHaveLength(0);
    });

    it('accepts a session and a token of the same user, as the token', async () => {
      const alice = freshUser();
      const browser = await signedIn(alice);
      const { token, record } = await stack.mint(alice.email, { name: 'own' });
      const res = await browser.get(`${gwUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ email: alice.email, auth_method: 'jwt', token_id: record.tokenId });
    });
  });
});
