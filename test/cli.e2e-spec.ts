/**
 * The ops CLI. Most commands run in-process: the CLI's own runner over an application context of
 * its own module (created once, as `dist/cli.js` creates it), against the same redis-server and key
 * prefix as a running gateway, whose REST API and /v1 show the effect. Two smoke tests run the
 * compiled `dist/cli.js` as an operator does (needs `nest build`; npm run test:e2e does it).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import OpenAI from 'openai';
import { ActivityWriteBehind } from '../src/active-users/activity-write-behind.js';
import { CLI_ACTOR } from '../src/cli/cli-command.js';
import { COMMANDS, runCli } from '../src/cli/cli-runner.js';
import { CliModule } from '../src/cli/cli.module.js';
import { APP_CONFIG } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { call } from './support/admin-client.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const OPS = 'ops@example.com';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (an empty object when it is not JSON). */
  json: Record<string, unknown>;
}

/** The CLI's stderr is the reason a command failed: a red run says why. */
function ok(run: CliRun): CliRun {
  if (run.code !== 0) throw new Error(`CLI exited ${run.code}: ${run.stderr}`);
  return run;
}

/** A string matched literally inside a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parsed(stdout: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return {};
  }
}

describe('ops CLI', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let receiver: WebhookReceiver;
  let stack: GatewayStack;
  let env: Record<string, string>;
  let context: TestingModule;
  let adminToken: string;
  let serial = 0;

  const person = (): string => `person${++serial}@example.com`;

  const run = async (args: string[], isTTY: boolean): Promise<CliRun> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { write: (t) => (stdout += t), error: (t) => (stderr += t), isTTY }, () => Promise.resolve(context));
    return { code, stdout, stderr, json: parsed(stdout) };
  };
  /** As a script runs it: stdout is not a terminal. */
  const cli = (...args: string[]): Promise<CliRun> => run(args, false);
  /** As a person at a terminal runs it. */
  const tty = (...args: string[]): Promise<CliRun> => run(args, true);

  const chat = (token: string): Promise<unknown> =>
    new OpenAI({ apiKey: token, baseURL: `${gwUrl}/v1`, maxRetries: 0 }).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'hello' }],
    });

  const auditOf = async (target: string): Promise<Array<{ action: string; actor: string; actor_method: string; outcome: string }>> => {
    const res = await call<{ items: Array<{ action: string; actor: string; actor_method: string; outcome: string }> }>(
      stack.gw,
      'GET',
      `/api/admin/audit?target=${encodeURIComponent(target)}`,
      { token: adminToken },
    );
    expect(res.status).toBe(200);
    return res.body.items;
  };

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, []);
    receiver = await startWebhookReceiver();
    stack = await startGatewayStack({ env: { ...auth0Env(provider, gwUrl), ADMIN_EMAILS: OPS, SLACK_WEBHOOK_URL: receiver.url } });
    env = stack.env;
    context = await Test.createTestingModule({ imports: [CliModule] })
      .overrideProvider(APP_CONFIG)
      .useValue(loadConfig(env))
      .compile();
    await context.init();
    adminToken = ok(await cli('token', 'create', '--email', OPS, '--scopes', 'llm,admin')).json.token as string;
  });

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    await receiver?.close();
    await provider?.close();
  });

  describe('tokens', () => {
    it('creates a token that works on /v1, lists it, and revokes it for the next request', async () => {
      const created = ok(await cli('token', 'create', '--email', ' Carol@Example.com ', '--name', 'ci-bot', '--days', '2'));
      expect(created.stderr).toBe('');
      const { token, token_id: tokenId, expires_at: expiresAt, user_email: email } = created.json as Record<string, string>;
      expect(created.json).toMatchObject({ token_type: 'Bearer', token_name: 'ci-bot', scopes: ['llm'], expires_in: 2 * 86400 });
      expect(email).toBe('carol@example.com');
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 86400_000);
      await expect(chat(token)).resolves.toBeTruthy();
      expect(stack.upstream.requests.at(-1)?.headers['x-gateway-token-id']).toBe(tokenId);

      const listed = ok(await cli('token', 'list', '--email', 'carol@example.com'));
      expect((listed.json.items as Array<{ token_id: string }>).map((t) => t.token_id)).toEqual([tokenId]);
      // Two days left: it expires within 7.
      expect(listed.json.tokens_expiring_soon).toEqual([{ token_id: tokenId, token_name: 'ci-bot', expires_at: expiresAt }]);

      const revoked = ok(await cli('token', 'revoke', '--id', tokenId, '--reason', 'left the team'));
      expect(revoked.json).toMatchObject({ revoked: true, token_id: tokenId, status: 'revoked' });
      await expect(chat(token)).rejects.toMatchObject({ status: 401 });
      const again = await cli('token', 'revoke', '--id', tokenId);
      expect([again.code, again.stderr]).toEqual([1, 'error: token not found\n']);
      expect((await auditOf(tokenId)).map((e) => `${e.action}:${e.outcome}:${e.actor}`)).toEqual([
        `token.revoke:failure:${CLI_ACTOR}`,
        `token.revoke:success:${CLI_ACTOR}`,
      ]);
      expect((await auditOf('carol@example.com')).map((e) => `${e.action}:${e.actor_method}`)).toEqual(['token.create:cli']);
    });

    it('mints an admin-scoped token only when asked', async () => {
      const email = person();
      expect(ok(await cli('token', 'create', '--email', email)).json.scopes).toEqual(['llm']);
      expect(ok(await cli('token', 'create', '--email', email, '--scopes', 'llm,admin')).json.scopes).toEqual(['llm', 'admin']);
    });

    it('rotates a token by id or by the token itself; the old one works for the grace, then a second rotation is refused', async () => {
      const email = person();
      const first = ok(await cli('token', 'create', '--email', email, '--name', 'laptop')).json as Record<string, string>;
      const byId = ok(await cli('token', 'rotate', '--id', first.token_id, '--days', '10'));
      expect(byId.json).toMatchObject({
        token_name: 'laptop',
        user_email: email,
        replaces_token_id: first.token_id,
        expires_in: 10 * 86400,
      });
      await expect(chat(byId.json.token as string)).resolves.toBeTruthy();
      await expect(chat(first.token)).resolves.toBeTruthy();
      const twice = await cli('token', 'rotate', '--id', first.token_id);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain('rotated already');

      const byToken = ok(await cli('token', 'rotate', '--token', byId.json.token as string));
      expect(byToken.json.replaces_token_id).toBe(byId.json.token_id);
      expect((await auditOf(byId.json.token_id as string)).map((e) => `${e.action}:${e.outcome}`)).toEqual(['token.rotate:success']);
      for (const args of [['--token', 'not-a-token'], [], ['--id', 'a', '--token', 'b']]) {
        const refused = await cli('token', 'rotate', ...args);
        expect([refused.code, refused.stdout]).toEqual([1, '']);
      }
    });

    it('lists every token of the gateway: live by default, --all, --status, --email', async () => {
      const email = person();
      const live = ok(await cli('token', 'create', '--email', email, '--name', 'live')).json.token_id as string;
      const gone = ok(await cli('token', 'create', '--email', email, '--name', 'gone')).json.token_id as string;
      ok(await cli('token', 'revoke', '--id', gone));
      const ids = (r: CliRun): string[] => (r.json.items as Array<{ token_id: string }>).map((t) => t.token_id);

      const active = ok(await cli('tokens', 'list', '--q', email));
      expect(ids(active)).toEqual([live]);
      expect(active.json).toMatchObject({ next_cursor: null });
      expect(ids(ok(await cli('tokens', 'list', '--all', '--q', email))).sort()).toEqual([live, gone].sort());
      expect(ids(ok(await cli('tokens', 'list', '--status', 'revoked', '--q', email)))).toEqual([gone]);
      expect(ids(ok(await cli('tokens', 'list', '--email', email))).sort()).toEqual([live, gone].sort());
      const rest = await call<Record<string, unknown>>(stack.gw, 'GET', `/api/admin/tokens?q=${email}&status=active`, {
        token: adminToken,
      });
      expect(active.json).toEqual(rest.body);
    });

    it('revokes every token of a person', async () => {
      const email = person();
      const tokens = [
        ok(await cli('token', 'create', '--email', email)).json.token as string,
        ok(await cli('token', 'create', '--email', email)).json.token as string,
      ];
      expect(ok(await cli('tokens', 'revoke-user', '--email', email.toUpperCase(), '--reason', 'offboarded')).json).toEqual({
        user_email: email,
        tokens_revoked: 2,
      });
      for (const token of tokens) await expect(chat(token)).rejects.toMatchObject({ status: 401 });
      expect((await auditOf(email)).map((e) => e.action)).toContain('token.revoke_user');
    });
  });

  describe('people, bans and sessions', () => {
    it('bans and unbans a person for every token they hold, audited, with an alert', async () => {
      const email = person();
      const { token } = ok(await cli('token', 'create', '--email', email)).json as { token: string };
      const banned = ok(await cli('ban', '--email', email, '--reason', 'leaked key'));
      expect(banned.json).toMatchObject({ banned: true, user_email: email, reason: 'leaked key', sessions_ended: 0, tokens_blocked: 1 });
      await expect(chat(token)).rejects.toMatchObject({ status: 401, message: expect.stringContaining('banned') });
      const bans = ok(await cli('bans', 'list', '--q', email));
      expect(bans.json.items).toEqual([expect.objectContaining({ email, banned_by: CLI_ACTOR, reason: 'leaked key' })]);
      const [alert] = await receiver.waitFor(new RegExp(`${literal(email)} was banned`));
      expect(alert.body.text).toContain(`by ${CLI_ACTOR}`);

      expect(ok(await cli('unban', '--email', email, '--reason', 'key rotated')).json).toEqual({ unbanned: true, user_email: email });
      await expect(chat(token)).resolves.toBeTruthy();
      await receiver.waitFor(new RegExp(`${literal(email)} was unbanned\\* by ${literal(CLI_ACTOR)}\\. Reason: key rotated`));
      expect((await auditOf(email)).map((e) => `${e.action}:${e.outcome}:${e.actor}`)).toEqual([
        `user.unban:success:${CLI_ACTOR}`,
        `user.ban:success:${CLI_ACTOR}`,
        `token.create:success:${CLI_ACTOR}`,
      ]);
    });

    it('lists active users and shows one person: activity, ban, tokens, sessions', async () => {
      const email = person();
      const { token, token_id: tokenId } = ok(await cli('token', 'create', '--email', email, '--name', 'short', '--days', '3'))
        .json as Record<string, string>;
      await chat(token);
      // The gateway writes activity behind, within a second; the CLI reads Redis: the flush it would run, now.
      await stack.gw.get<ActivityWriteBehind>(ActivityWriteBehind).flush();
      const u: DemoOidcUser = { email, password: 'pw', name: 'Shown Person' };
      provider.setUser(u);
      const browser = provider.newBrowser();
      expect((await signIn(browser, gwUrl, u)).response.status).toBe(302);

      const users = ok(await cli('users', 'list', '--q', email));
      expect(users.json.items).toEqual([
        expect.objectContaining({ email, token_count: 1, session_count: 1, auth_methods: ['jwt', 'oauth2'] }),
      ]);
      const shown = ok(await cli('users', 'show', '--email', email));
      expect(shown.json).toMatchObject({
        email,
        active_user: { email, request_count: 2, is_banned: false },
        ban: null,
        tokens: [expect.objectContaining({ token_id: tokenId, token_name: 'short' })],
        tokens_expiring_soon: [expect.objectContaining({ token_id: tokenId })],
        sessions: [expect.objectContaining({ email, name: 'Shown Person' })],
      });
      const unseen = ok(await cli('users', 'show', '--email', person()));
      expect(unseen.json).toMatchObject({ active_user: null, ban: null, tokens: [], sessions: [] });
    });

    it('lists browser sessions and ends one: its cookie is refused from the next request on', async () => {
      const email = person();
      const u: DemoOidcUser = { email, password: 'pw', name: 'Session Person' };
      provider.setUser(u);
      const browser = provider.newBrowser();
      await signIn(browser, gwUrl, u);
      expect((await browser.get(`${gwUrl}/api/me`)).status).toBe(200);
      const sessions = ok(await cli('sessions', 'list', '--q', email));
      const [session] = sessions.json.items as Array<{ session_id: string; email: string }>;
      expect(session.email).toBe(email);
      expect(ok(await cli('sessions', 'end', '--id', session.session_id)).json).toEqual({
        session_id: session.session_id,
        email,
        ended: true,
      });
      expect((await browser.get(`${gwUrl}/api/me`)).status).toBe(401);
      const again = await cli('sessions', 'end', '--id', session.session_id);
      expect([again.code, again.stderr]).toEqual([1, 'error: session not found\n']);
      const malformed = await cli('sessions', 'end', '--id', 'nope');
      expect([malformed.code, malformed.stderr]).toEqual([1, 'error: session_id must be a session id from GET /api/admin/sessions\n']);
      expect((await auditOf(session.session_id)).map((e) => `${e.action}:${e.outcome}`)).toEqual([
        'session.delete:failure',
        'session.delete:success',
      ]);
    });
  });

  describe('cleanup, audit and admins', () => {
    it('previews, runs and shows cleanup logs, the run audited and logged as manual by the operator', async () => {
      const future = Date.now() + 3600_000;
      await stack.redis.client().zadd(stack.keys.bans(), future, 'ghost-a@example.com', future, 'ghost-b@example.com');
      const preview = ok(await cli('cleanup', 'preview'));
      expect(preview.json.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ category: 'ban-index', member: 'ghost-a@example.com' })]),
      );
      const executed = ok(await cli('cleanup', 'run'));
      expect(executed.json).toMatchObject({ trigger: 'manual', scheduled_for: null, actor: CLI_ACTOR, error: null });
      expect(executed.json.deleted).toBeGreaterThanOrEqual(2);
      const logs = ok(await cli('cleanup', 'logs', '--limit', '1'));
      expect((logs.json.items as Array<{ run_id: string }>)[0].run_id).toBe(executed.json.run_id);
      const one = ok(await cli('cleanup', 'logs', '--id', executed.json.run_id as string));
      expect(one.json.items).toEqual(expect.arrayContaining([expect.objectContaining({ member: 'ghost-b@example.com' })]));
      const audit = ok(await cli('audit', 'list', '--action', 'cleanup.execute', '--actor', CLI_ACTOR));
      expect((audit.json.items as Array<{ outcome: string }>).map((e) => e.outcome)).toEqual(['success']);
    });

    it("lists the audit trail with the REST API's filters and answers", async () => {
      const email = person();
      ok(await cli('ban', '--email', email));
      const listed = ok(
        await cli('audit', 'list', '--target', email, '--outcome', 'success', '--since', new Date(Date.now() - 60_000).toISOString()),
      );
      expect((listed.json.items as Array<{ action: string }>).map((e) => e.action)).toEqual(['user.ban']);
      const rest = await call(stack.gw, 'GET', `/api/admin/audit?target=${email}`, { token: adminToken });
      expect(ok(await cli('audit', 'list', '--target', email)).json).toEqual(rest.body);
    });

    it('lists, adds and removes admins; those from the environment are refused', async () => {
      const email = person();
      const added = ok(await cli('admins', 'add', '--email', email));
      expect(added.json).toMatchObject({ email, source: 'runtime', removable: true, added_by: CLI_ACTOR });
      const listed = ok(await cli('admins', 'list'));
      expect((listed.json.items as Array<{ email: string; source: string }>).map((a) => `${a.email}:${a.source}`)).toEqual(
        expect.arrayContaining([`${OPS}:env`, `${email}:runtime`]),
      );
      const token = ok(await cli('token', 'create', '--email', email, '--scopes', 'llm,admin')).json.token as string;
      expect((await call(stack.gw, 'GET', '/api/admin/bans', { token })).status).toBe(200);
      expect(ok(await cli('admins', 'remove', '--email', email)).json).toEqual({ email, removed: true });
      expect((await call(stack.gw, 'GET', '/api/admin/bans', { token })).status).toBe(403);
      const refused = await cli('admins', 'remove', '--email', OPS);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('cannot be removed here');
      expect((await auditOf(email)).map((e) => e.action)).toEqual(expect.arrayContaining(['admin.add', 'admin.remove']));
    });
  });

  describe('output and errors', () => {
    it('prints a table on a terminal, JSON with --json or when stdout is not a terminal', async () => {
      const email = person();
      const id = ok(await cli('token', 'create', '--email', email, '--name', 'tabled')).json.token_id as string;
      const table = ok(await tty('tokens', 'list', '--email', email));
      const lines = table.stdout.split('\n');
      expect(lines.slice(0, 8)).toEqual([
        'next_cursor: -',
        'total: 1',
        'active: 1',
        'blocked: 0',
        'expired: 0',
        'revoked: 0',
        '',
        'items:',
      ]);
      expect(lines[8]).toMatch(/^ID\s+NAME\s+OWNER\s+SCOPES\s+STATUS\s+EXPIRES\s+LAST USED$/);
      expect(lines[9]).toMatch(new RegExp(`^${id}\\s+tabled\\s+${literal(email)}\\s+llm\\s+active\\s+\\S+Z\\s+-$`));
      expect(() => JSON.parse(table.stdout) as unknown).toThrow();
      const json = ok(await tty('tokens', 'list', '--email', email, '--json'));
      expect(json.json.total).toBe(1);
      expect(ok(await cli('tokens', 'list', '--email', email)).json).toEqual(json.json);
    });

    it('keeps what people typed from moving the terminal', async () => {
      const email = person();
      ok(await cli('ban', '--email', email, '--reason', 'bad\u001b[2J\u001b[Hthing'));
      const table = ok(await tty('bans', 'list', '--q', email));
      expect(table.stdout).toContain('bad\\x1b[2J\\x1b[Hthing');
      expect(table.stdout).not.toContain('\u001b');
    });

    it("shows every command in --help and each command's flags in its own --help", async () => {
      const help = ok(await cli('--help'));
      for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command.name} `);
      for (const name of [
        'users list',
        'users show',
        'sessions list',
        'sessions end',
        'tokens list',
        'token create',
        'token list',
        'token revoke',
        'token rotate',
        'tokens revoke-user',
        'ban',
        'unban',
        'bans list',
        'cleanup preview',
        'cleanup run',
        'cleanup logs',
        'audit list',
        'admins list',
        'admins add',
        'admins remove',
      ]) {
        expect(COMMANDS.map((c) => c.name)).toContain(name);
      }
      const ban = ok(await cli('ban', '--help'));
      expect(ban.stdout).toContain('Usage: npm run cli -- ban --email EMAIL [--reason TEXT] [--json]');
      const group = ok(await cli('token', '--help'));
      expect(group.stdout).toContain('  token rotate ');
      expect(group.stdout).not.toContain('  ban ');
    });

    it.each([
      [['token', 'create', '--email', 'a@@example.com'], 1, 'plain email'],
      [['token', 'create', '--email', 'a@example.com', '--days', '91'], 1, 'lifetime'],
      [['token', 'create', '--email', 'a@example.com', '--scopes', 'root'], 1, 'unknown scope'],
      [['token', 'revoke', '--id', 'no-such-token-id-000000'], 1, 'token not found'],
      [['users', 'list', '--limit', '501'], 1, 'limit must not be greater than 500'],
      [['audit', 'list', '--since', 'yesterday'], 1, 'since must be a valid ISO 8601 date string'],
      [['tokens', 'list', '--cursor', 'bad!'], 1, 'cursor must be the next_cursor of a previous page'],
      [['token', 'create'], 2, '--email is required'],
      [['token', 'create', '--email', 'a@example.com', '--bogus', 'x'], 2, "Unknown option '--bogus'"],
      [['ban', 'mallory@example.com'], 2, 'Unexpected argument'],
      [['frobnicate'], 2, 'unknown command "frobnicate"'],
      [['token'], 2, '"token" needs one of: create, list, revoke, rotate'],
      [[], 2, 'Usage: npm run cli'],
    ])('refuses %j on stderr with exit %i', async (args, code, message) => {
      const refused = await cli(...args);
      expect(refused.code).toBe(code);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(message);
    });
  });

  describe('the compiled CLI, as an operator runs it', () => {
    const node = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
      new Promise((resolve) => {
        const { PATH, HOME } = process.env;
        const child = spawn(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env, ...extra } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: parsed(stdout) }));
      });

    it('mints a token and bans in their own processes: JSON on a pipe, the alert sent before the process exits', async () => {
      const email = person();
      const created = ok(await node(['token', 'create', '--email', email]));
      expect(created.stderr).toBe('');
      await expect(chat(created.json.token as string)).resolves.toBeTruthy();
      receiver.answer([{ kind: 'status', status: 500 }]);
      const banned = ok(await node(['ban', '--email', email, '--reason', 'from a shell']));
      expect(banned.json).toMatchObject({ banned: true, user_email: email, tokens_blocked: 1 });
      // The first attempt failed: the retry was made before the process ended.
      const alerts = receiver.received.filter((a) => a.body.text.includes(`${email} was banned`));
      expect(alerts).toHaveLength(2);
    });

    it('exits non-zero with the reason on stderr, and 2 for usage errors', async () => {
      const unknown = await node(['frobnicate']);
      expect([unknown.code, unknown.stdout]).toEqual([2, '']);
      expect(unknown.stderr).toContain('unknown command');
      const badConfig = await node(['users', 'list'], { JWT_SECRET: 'short' });
      expect([badConfig.code, badConfig.stdout]).toEqual([1, '']);
      expect(badConfig.stderr).toContain('JWT_SECRET must be at least 32 bytes long');
      expect(badConfig.stderr).not.toContain('short\n');
    });
  });
});
