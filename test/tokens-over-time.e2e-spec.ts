/**
 * Tokens over time, end to end: rotation (POST /api/token/rotate, with a grace for the old token),
 * the Claude Code apiKeyHelper script that rotates before expiry, tokens expiring within 7 days on
 * /api/me, and the browser session's 24-hour absolute lifetime.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { sessionIdOf } from '../src/sessions/session-data.js';
import type { Browser } from './support/browser.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

const ADMIN = 'admin@example.com';
const GRACE_SECONDS = 3;
const MAX_TOKENS = 4;
const DAY = 86400_000;

interface Rotated {
  token: string;
  token_id: string;
  token_name: string;
  scopes: string[];
  expires_in: number;
  expires_at: string;
  created_at: string;
  user_email: string;
  replaces_token_id: string;
  replaced_token_valid_until: string;
}

interface Answer<T> {
  status: number;
  body: T;
}

describe('tokens over time', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;
  let adminToken: string;
  let serial = 0;

  const email = (): string => `owner${++serial}@example.com`;

  const api = async <T = Record<string, unknown>>(token: string, method: string, path: string, body?: unknown): Promise<Answer<T>> => {
    const res = await fetch(`${gwUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
  };
  const rotate = (token: string, body?: unknown): Promise<Answer<Rotated>> => api<Rotated>(token, 'POST', '/api/token/rotate', body);

  /** One chat completion through /v1 with the OpenAI SDK: resolves when the gateway lets the token through. */
  const chat = (token: string): Promise<unknown> =>
    new OpenAI({ apiKey: token, baseURL: `${gwUrl}/v1`, maxRetries: 0 }).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'hi' }],
    });

  const mint = async (owner: string, days: number, name = 'laptop'): Promise<{ token: string; id: string }> => {
    const { token, record } = await stack.mint(owner, { name, lifetimeSeconds: Math.round(days * 86400) });
    return { token, id: record.tokenId };
  };

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, []);
    stack = await startGatewayStack({
      env: {
        ...auth0Env(provider, gwUrl),
        ADMIN_EMAILS: ADMIN,
        TOKEN_ROTATION_GRACE_SECONDS: String(GRACE_SECONDS),
        TOKENS_PER_USER_MAX: String(MAX_TOKENS),
      },
    });
    adminToken = (await stack.mint(ADMIN, { scopes: ['llm', 'admin'], name: 'admin' })).token;
  });

  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  describe('POST /api/token/rotate', () => {
    it('answers with a new token of the same name and scopes and a fresh lifetime; both work during the grace', async () => {
      const owner = email();
      const old = await stack.mint(owner, { name: 'ci bot', scopes: ['llm'], lifetimeSeconds: 2 * 86400 });
      const res = await rotate(old.token);
      expect(res.status).toBe(201);
      const rotated = res.body;
      expect(rotated).toMatchObject({
        token_name: 'ci bot',
        scopes: ['llm'],
        user_email: owner,
        replaces_token_id: old.record.tokenId,
        expires_in: 30 * 86400,
      });
      expect(rotated.token_id).not.toBe(old.record.tokenId);
      const validUntil = Date.parse(rotated.replaced_token_valid_until) - Date.parse(rotated.created_at);
      expect(validUntil).toBeGreaterThan(0);
      expect(validUntil).toBeLessThanOrEqual(GRACE_SECONDS * 1000 + 1000);
      // The old record now ends with the grace (set in the same script as the new token).
      const pttl = await stack.redis.client().pttl(stack.keys.token(owner, old.record.tokenId));
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(GRACE_SECONDS * 1000);

      await expect(chat(rotated.token)).resolves.toBeTruthy();
      expect(stack.upstream.requests.at(-1)?.headers['x-gateway-token-id']).toBe(rotated.token_id);
      await expect(chat(old.token)).resolves.toBeTruthy();
    });

    it('stops the old token when the grace ends, and shows it revoked and replaced', async () => {
      const owner = email();
      const old = await mint(owner, 10);
      const rotated = (await rotate(old.token)).body;
      let status = 0;
      for (let i = 0; i < 200 && status !== 401; i++) {
        status = (await api(old.token, 'GET', '/api/me')).status;
        if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(401);
      await expect(chat(old.token)).rejects.toMatchObject({ status: 401 });
      await expect(chat(rotated.token)).resolves.toBeTruthy();

      const info = await api<Record<string, unknown>>(rotated.token, 'GET', `/api/token/info?token_id=${old.id}`);
      expect(info.body).toMatchObject({ status: 'revoked', rotated_to: rotated.token_id, revoked_at: rotated.replaced_token_valid_until });
      const listed = await api<{ items: Array<Record<string, unknown>> }>(adminToken, 'GET', `/api/admin/tokens?email=${owner}`);
      expect(Object.fromEntries(listed.body.items.map((t) => [t.token_id, t.status]))).toEqual({
        [rotated.token_id]: 'active',
        [old.id]: 'revoked',
      });
      expect((await api<Record<string, unknown>>(rotated.token, 'GET', `/api/token/info?token_id=${rotated.token_id}`)).body).toMatchObject(
        { rotated_from: old.id },
      );
    });

    it('rotates a token once: the second rotation with the old token is a 409, also when both race', async () => {
      const old = await mint(email(), 10);
      const first = await rotate(old.token);
      expect(first.status).toBe(201);
      const again = await rotate(old.token);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ statusCode: 409, code: 'token_already_rotated' });
      // The new token rotates in its turn.
      expect((await rotate(first.body.token)).status).toBe(201);

      const racer = await mint(email(), 10);
      const answers = await Promise.all([rotate(racer.token), rotate(racer.token), rotate(racer.token)]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    });

    it('takes the new lifetime in days, within TOKEN_MAX_DAYS', async () => {
      const owner = email();
      const ok = await rotate((await mint(owner, 1)).token, { days: 10 });
      expect(ok.status).toBe(201);
      expect(ok.body.expires_in).toBe(10 * 86400);
      const { token } = await mint(owner, 1, 'other');
      for (const body of [{ days: 91 }, { days: 0 }, { days: 1.5 }, { days: '7' }, { days: 7, token_name: 'renamed' }]) {
        const res = await rotate(token, body);
        expect([res.status, body]).toEqual([400, body]);
      }
      expect((await rotate(token, 'not json')).status).toBe(400);
      // Refusals leave the token as it was: it still rotates.
      expect((await rotate(token)).status).toBe(201);
    });

    it('replaces a token one for one at the per-user cap, and the cap still holds', async () => {
      const owner = email();
      const held = [];
      for (let i = 0; i < MAX_TOKENS; i++) held.push(await mint(owner, 5, `t${i}`));
      const res = await rotate(held[0].token);
      expect(res.status).toBe(201);
      await expect(stack.mint(owner, { name: 'one too many' })).rejects.toThrow(`at most ${MAX_TOKENS} active tokens`);
    });

    it('refuses a caller without a token, a revoked token, and a browser session', async () => {
      expect((await fetch(`${gwUrl}/api/token/rotate`, { method: 'POST' })).status).toBe(401);
      const revoked = await mint(email(), 5);
      await stack.tokens.revokeById(revoked.id, ADMIN);
      expect((await rotate(revoked.token)).status).toBe(401);

      const u: DemoOidcUser = { email: email(), password: 'pw', name: 'Browser user' };
      provider.setUser(u);
      const browser = provider.newBrowser();
      expect((await signIn(browser, gwUrl, u)).response.status).toBe(302);
      const csrf = (await browser.get(`${gwUrl}/api/me`)).json<{ csrf_token: string }>().csrf_token;
      const res = await browser.post(`${gwUrl}/api/token/rotate`, {
        json: {},
        headers: { 'x-csrf-token': csrf, origin: gwUrl, 'sec-fetch-site': 'same-origin' },
      });
      expect(res.status).toBe(403);
      expect(res.json<{ code: string }>().code).toBe('token_required');
    });

    it('records each rotation in the audit trail', async () => {
      const owner = email();
      const old = await mint(owner, 5);
      await rotate(old.token);
      await rotate(old.token);
      const audit = await api<{ items: Array<Record<string, unknown>> }>(
        adminToken,
        'GET',
        `/api/admin/audit?action=token.rotate&target=${old.id}`,
      );
      expect(audit.body.items.map((e) => [e.actor, e.actor_token_id, e.outcome, e.status])).toEqual([
        [owner, old.id, 'failure', 409],
        [owner, old.id, 'success', 201],
      ]);
    });
  });

  describe('the Claude Code apiKeyHelper script', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'llmgw-helper-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const helper = (file: string, extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const { PATH, HOME } = process.env;
        const child = spawn(process.execPath, ['scripts/claude-api-key-helper.mjs'], {
          env: { PATH, HOME, ANTHROPIC_BASE_URL: gwUrl, LLM_GATEWAY_TOKEN_FILE: file, ...extra },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });

    it('prints the token as it is while it has more than LLM_GATEWAY_ROTATE_BEFORE_DAYS left', async () => {
      const file = join(dir, 'fresh');
      const { token } = await mint(email(), 30);
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      const run = await helper(file);
      expect(run).toEqual({ code: 0, stdout: token, stderr: '' });
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
    });

    it('rotates a token that expires soon, keeps the new one (mode 0600), and prints it', async () => {
      const file = join(dir, 'expiring');
      const owner = email();
      const old = await mint(owner, 2);
      writeFileSync(file, old.token, { mode: 0o644 });
      const run = await helper(file, { LLM_GATEWAY_TOKEN_DAYS: '20' });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const fresh = run.stdout;
      expect(fresh).not.toBe(old.token);
      expect(readFileSync(file, 'utf8').trim()).toBe(fresh);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await expect(chat(fresh)).resolves.toBeTruthy();
      const me = await api<{ email: string; token_id: string }>(fresh, 'GET', '/api/me');
      expect(me.body.email).toBe(owner);
      const info = await api<{ expires_at: string; rotated_from: string }>(fresh, 'GET', `/api/token/info?token_id=${me.body.token_id}`);
      expect(info.body.rotated_from).toBe(old.id);
      expect(Date.parse(info.body.expires_at) - Date.now()).toBeGreaterThan(19 * DAY);

      // The next call finds a fresh token and leaves it alone.
      expect(await helper(file)).toEqual({ code: 0, stdout: fresh, stderr: '' });
    });

    it('rotates once when several helpers run at the same moment', async () => {
      const file = join(dir, 'racing');
      const old = await mint(email(), 1);
      writeFileSync(file, old.token, { mode: 0o600 });
      const runs = await Promise.all([helper(file), helper(file), helper(file)]);
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
      const printed = new Set(runs.map((r) => r.stdout));
      expect(printed.size).toBe(1);
      expect(printed.has(old.token)).toBe(false);
      expect(runs.map((r) => r.stderr).join('')).toBe('');
    });

    it('fails with the reason on stderr, and nothing on stdout, for a revoked token or a missing file', async () => {
      const file = join(dir, 'revoked');
      const revoked = await mint(email(), 2);
      await stack.tokens.revokeById(revoked.id, ADMIN);
      writeFileSync(file, revoked.token, { mode: 0o600 });
      const run = await helper(file);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('the gateway refused the token');

      const missing = await helper(join(dir, 'none'));
      expect(missing.code).toBe(1);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toContain('no token in');
    });
  });

  describe('tokens expiring within 7 days on /api/me', () => {
    it("lists the caller's live tokens that end within 7 days, soonest first, without rotated ones", async () => {
      const owner = email();
      const long = await mint(owner, 30, 'long');
      const six = await mint(owner, 6, 'six days');
      const two = await mint(owner, 2, 'two days');
      const rotatedAway = await mint(owner, 1, 'rotated');
      await rotate(rotatedAway.token, { days: 30 });
      const me = await api<{ tokens_expiring_soon: Array<{ token_id: string; token_name: string; expires_at: string }> }>(
        long.token,
        'GET',
        '/api/me',
      );
      expect(me.status).toBe(200);
      expect(me.body.tokens_expiring_soon.map((t) => [t.token_id, t.token_name])).toEqual([
        [two.id, 'two days'],
        [six.id, 'six days'],
      ]);
      expect(Date.parse(me.body.tokens_expiring_soon[0].expires_at) - Date.now()).toBeLessThanOrEqual(2 * DAY);
    });

    it('lists them for a browser session too', async () => {
      const u: DemoOidcUser = { email: email(), password: 'pw', name: 'Browser' };
      provider.setUser(u);
      const soon = await mint(u.email, 3, 'soon');
      const browser = provider.newBrowser();
      await signIn(browser, gwUrl, u);
      const me = (await browser.get(`${gwUrl}/api/me`)).json<{ tokens_expiring_soon: Array<{ token_id: string }> }>();
      expect(me.tokens_expiring_soon.map((t) => t.token_id)).toEqual([soon.id]);
    });
  });

  describe('re-authentication: SESSION_TTL_SECONDS defaults to 24 hours', () => {
    const signedIn = async (): Promise<{ browser: Browser; key: string }> => {
      const u: DemoOidcUser = { email: email(), password: 'pw', name: 'Session' };
      provider.setUser(u);
      const browser = provider.newBrowser();
      expect((await signIn(browser, gwUrl, u)).response.status).toBe(302);
      const signed = decodeURIComponent(browser.cookie(gwUrl, 'llmgw.sid') ?? '');
      return { browser, key: stack.keys.session(sessionIdOf(signed.slice(2, signed.lastIndexOf('.')))) };
    };
    /** Moves the sign-in back in time, the session still in use (last seen now). */
    const signedInAgo = async (key: string, ms: number): Promise<void> => {
      const client = stack.redis.client();
      const data = JSON.parse((await client.get(key)) ?? 'null') as { auth: Record<string, number> };
      data.auth.createdAt = Date.now() - ms;
      data.auth.lastSeenAt = Date.now();
      await client.set(key, JSON.stringify(data), 'KEEPTTL');
    };

    it('keeps a session in use for just under 24 hours after sign-in, and ends it after', async () => {
      expect(stack.gw.config.session.ttlSeconds).toBe(86400);
      const { browser, key } = await signedIn();
      await signedInAgo(key, DAY - 5 * 60_000);
      expect((await browser.get(`${gwUrl}/api/me`)).status).toBe(200);
      await signedInAgo(key, DAY + 1000);
      expect((await browser.get(`${gwUrl}/api/me`)).status).toBe(401);
    });
  });
});
