/**
 * The self-service token API end to end: a person signed in through the (local) identity provider,
 * or a script holding one of their tokens, creates, lists, inspects and revokes their own tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import type { Browser, BrowserResponse } from './support/browser.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

const ADMIN: DemoOidcUser = { email: 'admin@example.com', password: 'pw-admin', name: 'Admin' };
const MAX_TOKENS = 4;

interface Issued {
  token: string;
  token_type: string;
  token_id: string;
  token_name: string;
  expires_in: number;
  expires_at: string;
  created_at: string;
  scopes: string[];
  user_email: string;
}

describe('self-service token API', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;
  let serial = 0;

  const freshUser = (): DemoOidcUser => {
    const n = ++serial;
    const u = { email: `tokens${n}@example.com`, password: `pw-${n}`, name: `Tokens ${n}` };
    provider.setUser(u);
    return u;
  };

  /** A signed-in browser and its CSRF token. */
  const session = async (u: DemoOidcUser = freshUser()): Promise<{ browser: Browser; csrf: string; email: string }> => {
    const browser = provider.newBrowser();
    const { response } = await signIn(browser, gwUrl, u);
    expect(response.status).toBe(302);
    const csrf = (await browser.get(`${gwUrl}/api/me`)).json<{ csrf_token: string }>().csrf_token;
    return { browser, csrf, email: u.email };
  };

  const generate = (s: { browser: Browser; csrf: string }, body: unknown, headers: Record<string, string> = {}): Promise<BrowserResponse> =>
    s.browser.post(`${gwUrl}/api/token/generate`, {
      json: body,
      headers: { 'x-csrf-token': s.csrf, origin: gwUrl, 'sec-fetch-site': 'same-origin', ...headers },
    });

  const bearer = (token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> =>
    fetch(`${gwUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  const liveCount = (email: string): Promise<number> => stack.redis.client().zcount(stack.keys.userTokens(email), `(${Date.now()}`, '+inf');

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [ADMIN]);
    stack = await startGatewayStack({
      env: { ...auth0Env(provider, gwUrl), ADMIN_EMAILS: ADMIN.email, TOKENS_PER_USER_MAX: String(MAX_TOKENS) },
    });
  });

  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  it('keeps a token name of any printable text as it is, markup included (the pages show it as text)', async () => {
    const s = await session();
    const name = '<img src=x onerror=alert(1)> Ünïcødé "quotes" & 🙂';
    const res = await generate(s, { token_name: name });
    expect(res.status).toBe(201);
    expect(res.json<Issued>().token_name).toBe(name);
    const list = (await s.browser.get(`${gwUrl}/api/token/list`)).json<{ items: Array<{ token_name: string }> }>();
    expect(list.items.map((i) => i.token_name)).toContain(name);
  });

  it('creates a token from a browser session, shows it once, and the token works on /v1', async () => {
    const s = await session();
    const res = await generate(s, { token_name: 'laptop', expires_in: 7200 });
    expect(res.status).toBe(201);
    const issued = res.json<Issued>();
    expect(issued).toMatchObject({ token_type: 'Bearer', token_name: 'laptop', expires_in: 7200, scopes: ['llm'], user_email: s.email });
    expect(issued.token_id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(Date.parse(issued.expires_at) - Date.parse(issued.created_at)).toBe(7200_000);

    const client = new OpenAI({ apiKey: issued.token, baseURL: `${gwUrl}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'hello gateway' }] });
    expect(answer.choices[0].message.content).toBe('echo: hello gateway');
    expect(stack.upstream.requests.at(-1)?.headers['x-gateway-user-email']).toBe(s.email);

    // Never stored in clear: neither the token nor its signature is in the record.
    const record = await stack.redis.client().hgetall(stack.keys.token(s.email, issued.token_id));
    expect(record).toMatchObject({ token_id: issued.token_id, created_via: 'oauth2' });
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(issued.token);
    expect(stored).not.toContain(issued.token.split('.')[2]);
  });

  it("lists, describes and revokes the caller's tokens; a revoked token is refused on its next call", async () => {
    const s = await session();
    const issued = (await generate(s, { token_name: 'to revoke' })).json<Issued>();
    expect(issued.expires_in).toBe(30 * 86400);

    const list = await s.browser.get(`${gwUrl}/api/token/list`);
    expect(list.status).toBe(200);
    const body = list.json<{ items: Array<Record<string, unknown>>; next_cursor: null; total: number; max_tokens: number }>();
    expect(body).toMatchObject({ next_cursor: null, total: 1, max_tokens: MAX_TOKENS });
    expect(body.items[0]).toMatchObject({
      token_id: issued.token_id,
      token_name: 'to revoke',
      status: 'active',
      scopes: ['llm'],
      last_used_at: null,
      created_via: 'oauth2',
    });
    expect(list.body).not.toContain(issued.token);

    const info = await s.browser.get(`${gwUrl}/api/token/info?token_id=${issued.token_id}`);
    expect(info.json()).toMatchObject({ token_id: issued.token_id, status: 'active', expires_at: issued.expires_at });

    const client = new OpenAI({ apiKey: issued.token, baseURL: `${gwUrl}/v1`, maxRetries: 0 });
    await client.models.list();

    const revoke = await s.browser.post(`${gwUrl}/api/token/revoke`, {
      json: { token_id: issued.token_id },
      headers: { 'x-csrf-token': s.csrf },
    });
    expect(revoke.status).toBe(200);
    expect(revoke.json()).toMatchObject({ token_id: issued.token_id, revoked: true });
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });

    expect((await s.browser.get(`${gwUrl}/api/token/info?token_id=${issued.token_id}`)).json()).toMatchObject({ status: 'revoked' });
    expect((await s.browser.get(`${gwUrl}/api/token/list`)).json()).toMatchObject({ items: [], total: 0 });
    const again = await s.browser.post(`${gwUrl}/api/token/revoke`, {
      json: { token_id: issued.token_id },
      headers: { 'x-csrf-token': s.csrf },
    });
    expect(again.status).toBe(404);
  });

  it("treats someone else's token id as not found, and leaves that token alone", async () => {
    const owner = await session();
    const other = await session();
    const issued = (await generate(owner, { token_name: 'mine' })).json<Issued>();
    const info = await other.browser.get(`${gwUrl}/api/token/info?token_id=${issued.token_id}`);
    expect(info.status).toBe(404);
    expect(info.json()).toMatchObject({ code: 'not_found' });
    const revoke = await other.browser.post(`${gwUrl}/api/token/revoke`, {
      json: { token_id: issued.token_id },
      headers: { 'x-csrf-token': other.csrf },
    });
    expect(revoke.status).toBe(404);
    expect((await other.browser.get(`${gwUrl}/api/token/list`)).json()).toMatchObject({ total: 0 });
    expect((await bearer(issued.token, '/v1/models')).status).toBe(200);
  });

  describe('with a Bearer token instead of the browser', () => {
    it('creates, lists, describes and revokes without any CSRF token', async () => {
      const email = freshUser().email;
      const { token } = await stack.mint(email, { name: 'ci' });
      const created = await bearer(token, '/api/token/generate', { method: 'POST', body: { token_name: 'from script', expires_in: 3600 } });
      expect(created.status).toBe(201);
      const issued = (await created.json()) as Issued;
      expect(issued.user_email).toBe(email);
      const list = (await (await bearer(token, '/api/token/list')).json()) as { items: Array<{ token_name: string; created_via: string }> };
      expect(list.items.map((i) => i.token_name).sort()).toEqual(['ci', 'from script']);
      expect(list.items.find((i) => i.token_name === 'from script')?.created_via).toBe('jwt');
      expect((await bearer(token, `/api/token/info?token_id=${issued.token_id}`)).status).toBe(200);
      const revoked = await bearer(token, '/api/token/revoke', { method: 'POST', body: { token_id: issued.token_id } });
      expect(revoked.status).toBe(200);
      expect((await bearer(issued.token, '/v1/models')).status).toBe(401);
    });

    it('cannot mint an admin token, even with an admin token of an admin', async () => {
      const { token } = await stack.mint(ADMIN.email, { scopes: ['llm', 'admin'] });
      const before = await liveCount(ADMIN.email);
      const res = await bearer(token, '/api/token/generate', {
        method: 'POST',
        body: { token_name: 'escalate', scopes: ['llm', 'admin'] },
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'admin_scope_forbidden' });
      expect(await liveCount(ADMIN.email)).toBe(before);
    });
  });

  describe('admin scope', () => {
    it('is refused to a signed-in non-admin', async () => {
      const s = await session();
      const res = await generate(s, { token_name: 'escalate', scopes: ['admin'] });
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ code: 'not_admin' });
      expect(await liveCount(s.email)).toBe(0);
    });

    it('is granted to an admin signed in through the browser', async () => {
      const s = await session(ADMIN);
      const res = await generate(s, { token_name: 'swagger', scopes: ['llm', 'admin'], expires_in: 3600 });
      expect(res.status).toBe(201);
      const issued = res.json<Issued>();
      expect(issued.scopes).toEqual(['llm', 'admin']);
      expect((await bearer(issued.token, '/api/admin/sessions?limit=1')).status).toBe(200);
    });
  });

  describe('validation', () => {
    let s: { browser: Browser; csrf: string; email: string };
    beforeAll(async () => {
      s = await session();
    });

    it.each([
      ['an unknown field', { token_name: 'x', owner: 'root@example.com' }, 'property owner should not exist'],
      ['a missing token_name', { expires_in: 3600 }, 'token_name'],
      ['a number as token_name', { token_name: 42 }, 'token_name'],
      ['an empty token_name', { token_name: '' }, 'token_name'],
      ['a token_name that is too long', { token_name: 'a'.repeat(65) }, 'token_name'],
      ['a control character in token_name', { token_name: 'line\nbreak' }, 'token_name'],
      ['a bidi override in token_name', { token_name: 'abc\u202Etxt.exe' }, 'token_name'],
      ['expires_in as a string', { token_name: 'x', expires_in: '3600' }, 'expires_in'],
      ['a fractional expires_in', { token_name: 'x', expires_in: 3600.5 }, 'expires_in must be an integer'],
      ['expires_in under an hour', { token_name: 'x', expires_in: 3599 }, 'expires_in must not be less than 3600'],
      ['expires_in over TOKEN_MAX_DAYS', { token_name: 'x', expires_in: 90 * 86400 + 1 }, 'expires_in must not be greater than 7776000'],
      ['an unknown scope', { token_name: 'x', scopes: ['root'] }, 'scopes'],
      ['scopes that are not a list', { token_name: 'x', scopes: 'admin' }, 'scopes'],
      ['a body that is a list', [{ token_name: 'x' }], ''],
    ])('refuses %s with a 400 that names the field, storing nothing', async (_label, body, field) => {
      const res = await generate(s, body);
      expect(res.status).toBe(400);
      const error = res.json<{ statusCode: number; message: string | string[]; code: string }>();
      expect(error).toMatchObject({ statusCode: 400, code: 'invalid_input' });
      expect([error.message].flat().join(' ')).toContain(field);
      expect(await liveCount(s.email)).toBe(0);
    });

    it('refuses a body that is not JSON', async () => {
      const raw = await fetch(`${gwUrl}/api/token/generate`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `llmgw.sid=${s.browser.cookie(gwUrl, 'llmgw.sid') ?? ''}`,
          'x-csrf-token': s.csrf,
        },
        body: '{"token_name":',
      });
      expect(raw.status).toBe(400);
      expect(await liveCount(s.email)).toBe(0);
    });

    it.each([
      ['no token_id', '/api/token/info', 'token_id'],
      ['a malformed token_id', '/api/token/info?token_id=..%2F..%2Fx', 'token_id'],
      [
        'an unknown query parameter',
        '/api/token/info?token_id=aaaaaaaaaaaaaaaaaaaa&email=x@example.com',
        'property email should not exist',
      ],
    ])('refuses %s on info', async (_label, path, field) => {
      const res = await s.browser.get(`${gwUrl}${path}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.json())).toContain(field);
    });

    it('refuses a revoke without a proper token_id', async () => {
      for (const body of [{}, { token_id: 123 }, { token_id: 'aaaaaaaaaaaaaaaaaaaa', extra: true }]) {
        const res = await s.browser.post(`${gwUrl}/api/token/revoke`, { json: body, headers: { 'x-csrf-token': s.csrf } });
        expect(res.status).toBe(400);
      }
    });

    it('stops at TOKENS_PER_USER_MAX with a 409', async () => {
      const owner = await session();
      for (let i = 0; i < MAX_TOKENS; i++) expect((await generate(owner, { token_name: `t${i}` })).status).toBe(201);
      const res = await generate(owner, { token_name: 'one too many' });
      expect(res.status).toBe(409);
      expect(res.json()).toMatchObject({ code: 'limit_reached' });
      expect(await liveCount(owner.email)).toBe(MAX_TOKENS);
    });
  });

  describe('CSRF with the session cookie', () => {
    it.each([
      ['no CSRF token', { 'x-csrf-token': '' }],
      ['a wrong CSRF token', { 'x-csrf-token': 'A'.repeat(43) }],
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ['a null Origin', { origin: 'null' }],
      ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
      ['a same-site (other subdomain) fetch', { 'sec-fetch-site': 'same-site' }],
    ])('refuses %s with 403 and changes nothing', async (_label, headers) => {
      const s = await session();
      const res = await generate(s, { token_name: 'csrf' }, headers);
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ code: 'csrf_failed' });
      expect(await liveCount(s.email)).toBe(0);
    });

    it('accepts the right token from the same origin, and needs none for GET', async () => {
      const s = await session();
      expect((await generate(s, { token_name: 'ok' })).status).toBe(201);
      expect(
        (
          await s.browser.post(`${gwUrl}/api/token/generate`, {
            json: { token_name: 'no browser headers' },
            headers: { 'x-csrf-token': s.csrf },
          })
        ).status,
      ).toBe(201);
      expect((await s.browser.get(`${gwUrl}/api/token/list`, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    });
  });

  it('refuses every route without credentials', async () => {
    const anonymous = provider.newBrowser();
    expect((await anonymous.post(`${gwUrl}/api/token/generate`, { json: { token_name: 'x' } })).status).toBe(401);
    expect((await anonymous.get(`${gwUrl}/api/token/list`)).status).toBe(401);
    expect((await anonymous.get(`${gwUrl}/api/token/info?token_id=aaaaaaaaaaaaaaaaaaaa`)).status).toBe(401);
    expect((await anonymous.post(`${gwUrl}/api/token/revoke`, { json: { token_id: 'aaaaaaaaaaaaaaaaaaaa' } })).status).toBe(401);
    expect((await bearer('not.a.token', '/api/token/list')).status).toBe(401);
  });

  it("refuses a banned user's session (403 with the ban, for the page) and tokens (401, for SDKs) alike", async () => {
    const s = await session();
    const issued = (await generate(s, { token_name: 'before ban' })).json<Issued>();
    await stack.activeUsers.ban({ email: s.email, bannedBy: ADMIN.email });
    const viaSession = await s.browser.get(`${gwUrl}/api/token/list`);
    expect(viaSession.status).toBe(403);
    expect(viaSession.json()).toMatchObject({ code: 'user_banned', ban: { email: s.email } });
    const viaToken = await bearer(issued.token, '/api/token/list');
    expect(viaToken.status).toBe(401);
    expect(await viaToken.json()).toMatchObject({ code: 'user_banned' });
  });
});
