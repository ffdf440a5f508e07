/**
 * The ops CLI as an operator runs it: the compiled `dist/cli.js` in its own process, over the
 * same Redis and key prefix as a running gateway. Needs `nest build` (npm run test:e2e does it).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/** Exit 0; on failure the CLI's stderr is the message, so a red run says why. */
function expectSuccess(run: CliResult): void {
  if (run.status !== 0) throw new Error(`CLI exited ${String(run.status)}: ${run.stderr}`);
}

describe('ops CLI', () => {
  let redis: TestRedis;
  let upstream: EchoUpstream;
  let gw: TestApp;
  let env: Record<string, string>;
  let adminToken: string;

  const cli = (...args: string[]): CliResult => {
    const { PATH, HOME } = process.env;
    const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env }, encoding: 'utf8', timeout: 20_000 });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(run.stdout) as Record<string, unknown>;
    } catch {
      // Not JSON: the assertions on stdout say so.
    }
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, json };
  };

  const chat = (token: string): Promise<unknown> =>
    new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0 }).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'hello' }],
    });

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startEchoUpstream();
    env = testEnv(redis.url, { UPSTREAM_URL: upstream.url, ADMIN_EMAILS: 'ops@example.com' });
    gw = await startTestApp(env);
    adminToken = (cli('token', 'create', '--email', 'ops@example.com', '--scopes', 'llm,admin').json as { token: string }).token;
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await redis?.close();
  });

  it('creates a token that works on /v1, lists it, and revokes it for the next request', async () => {
    const created = cli('token', 'create', '--email', ' Carol@Example.com ', '--name', 'ci-bot', '--days', '2');
    expectSuccess(created);
    expect(created.stderr).toBe('');
    const { token, token_id: tokenId, expires_at: expiresAt, user_email: email } = created.json as Record<string, string>;
    expect(email).toBe('carol@example.com');
    expect(token.split('.')).toHaveLength(3);
    const lifetimeMs = Date.parse(expiresAt) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(2 * 86400_000 - 60_000);
    expect(lifetimeMs).toBeLessThanOrEqual(2 * 86400_000);

    await expect(chat(token)).resolves.toBeTruthy();
    expect(upstream.requests.at(-1)?.headers['x-gateway-token-id']).toBe(tokenId);

    const listed = cli('token', 'list', '--email', 'carol@example.com');
    expectSuccess(listed);
    expect((listed.json.items as Array<{ token_id: string }>).map((t) => t.token_id)).toEqual([tokenId]);

    const revoked = cli('token', 'revoke', '--id', tokenId);
    expectSuccess(revoked);
    expect(revoked.json).toMatchObject({ revoked: true, token_id: tokenId, status: 'revoked' });
    await expect(chat(token)).rejects.toMatchObject({ status: 401 });
    expect(cli('token', 'revoke', '--id', tokenId).status).toBe(1);
  });

  it('mints an admin-scoped token only when asked', () => {
    const plain = cli('token', 'create', '--email', 'dave@example.com');
    const admin = cli('token', 'create', '--email', 'dave@example.com', '--scopes', 'llm,admin');
    expect(plain.json.scopes).toEqual(['llm']);
    expect(admin.json.scopes).toEqual(['llm', 'admin']);
  });

  it('bans and unbans a user for every token they hold', async () => {
    const { token } = cli('token', 'create', '--email', 'erin@example.com').json as { token: string };
    const banned = cli('ban', '--email', 'erin@example.com', '--reason', 'leaked key');
    expectSuccess(banned);
    expect(Date.parse(String(banned.json.banned_until)) - Date.now()).toBeGreaterThan(6 * 86400_000);
    expect(banned.json).toMatchObject({ user_email: 'erin@example.com', sessions_ended: 0, tokens_blocked: 1 });
    await expect(chat(token)).rejects.toMatchObject({ status: 401, message: expect.stringContaining('banned') });
    expect(cli('unban', '--email', 'erin@example.com').json).toMatchObject({ unbanned: true });
    await expect(chat(token)).resolves.toBeTruthy();

    const audit = await fetch(`${gw.url}/api/admin/audit?target=erin@example.com`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(audit.status).toBe(200);
    const entries = ((await audit.json()) as { items: Array<{ action: string; actor: string; outcome: string }> }).items;
    expect(entries.map((e) => `${e.action}:${e.outcome}`).sort()).toEqual(['user.ban:success', 'user.unban:success']);
    expect(entries.every((e) => e.actor.startsWith('cli:'))).toBe(true);
  });

  it.each([
    [['token', 'create', '--email', 'a@@example.com'], 1, 'plain email'],
    [['token', 'create', '--email', 'a@example.com', '--days', '91'], 1, 'lifetime'],
    [['token', 'create', '--email', 'a@example.com', '--scopes', 'root'], 1, 'unknown scope'],
    [['token', 'create'], 1, '--email is required'],
    [['token', 'revoke', '--id', 'no-such-token-id-000000'], 1, 'not found'],
    [['token', 'create', '--email', 'a@example.com', '--bogus', 'x'], 1, 'Unknown option'],
    [['frobnicate'], 2, 'Unknown command'],
  ])('refuses %j on stderr with exit %i', (args, status, message) => {
    const run = cli(...args);
    expect(run.status).toBe(status);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });
});
