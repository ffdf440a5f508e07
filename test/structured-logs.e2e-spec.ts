/**
 * The production build (dist/main.js) logs one JSON object per line on stdout through pino: an access
 * line per /v1 call and per REST call, admin actions and refused authentications as structured lines;
 * and no secret reaches the output, whether it came in a header, a query string, a path, a body or an
 * upstream's 5xx answer. Needs `nest build`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LEAKED_SECRETS, startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { freePort } from '../src/demo/local-redis.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { testEnv } from './support/test-app.js';
import { decodeJwt, signJwt } from './support/jwt-forge.js';

const EMAIL = 'logs-user@example.com';
const ADMIN = 'logs-admin@example.com';
const BANNED = 'logs-banned@example.com';
const UPSTREAM_KEY = 'sk-upstream-logs-secret-7f3a9c1e';
const SESSION_SECRET = 'session-secret-for-logs-0123456789abcdef';
const QUERY_SECRET = 'qs-secret-value-5b8d2e71';
const COOKIE_SECRET = 's%3Acookie-secret-value-a1b2c3d4.signature';
const PASSWORD_IN_BODY = 'body-password-value-c4d5e6f7';

type Line = Record<string, unknown>;

describe('structured logs (dist/main.js)', () => {
  let redis: TestRedis;
  let upstream: EchoUpstream;
  let gateway: ChildProcess;
  let exited: Promise<void>;
  let base: string;
  let env: Record<string, string>;
  let stdout = '';
  let userToken: { token: string; jti: string };
  let adminToken: string;
  let forged: string;

  const lines = (): Line[] =>
    stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Line);
  const accessOf = (requestId: string): Line[] => lines().filter((line) => line.event === 'access' && line.request_id === requestId);

  async function waitForLine(predicate: (line: Line) => boolean, what: string): Promise<Line> {
    for (let i = 0; i < 200; i++) {
      const found = lines().find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no log line: ${what}\n${stdout}`);
  }

  async function cli(args: string[]): Promise<string> {
    const { PATH, HOME } = process.env;
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`cli ${args.join(' ')} exited ${String(code)}`);
    return out;
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startEchoUpstream();
    const port = await freePort();
    env = testEnv(redis.url, {
      UPSTREAM_URL: upstream.url,
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      SESSION_SECRET,
      ADMIN_EMAILS: ADMIN,
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    const { PATH, HOME } = process.env;
    gateway = spawn(process.execPath, ['dist/main.js'], { env: { PATH, HOME, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    gateway.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    exited = new Promise<void>((resolve) => gateway.once('exit', () => resolve()));
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error(`gateway did not start:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { token } = JSON.parse(await cli(['token', 'create', '--email', EMAIL, '--json'])) as { token: string };
    userToken = { token, jti: String(decodeJwt(token).payload.jti) };
    adminToken = (JSON.parse(await cli(['token', 'create', '--email', ADMIN, '--scopes', 'llm,admin', '--json'])) as { token: string })
      .token;
    forged = signJwt({ alg: 'HS256' }, { sub: EMAIL, jti: 'forged-jti' }, 'not-the-gateway-secret-0123456789abcdef');
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await exited;
    }
    await upstream?.close();
    await redis?.close();
  });

  it('writes one JSON access line per /v1 call with who, what, status, upstream status, duration and bytes', async () => {
    const body = JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hello logs' }] });
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken.token}`, 'content-type': 'application/json', 'x-request-id': 'logs-v1-ok' },
      body,
    });
    expect(res.status).toBe(200);
    const answer = await res.text();
    const line = await waitForLine((l) => l.event === 'access' && l.request_id === 'logs-v1-ok', 'the /v1 access line');
    expect(line).toMatchObject({
      level: 'info',
      context: 'Access',
      via: 'v1',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      upstream_status: 200,
      completed: true,
      bytes_in: Buffer.byteLength(body),
      user: EMAIL,
      token_id: userToken.jti,
    });
    expect(typeof line.time).toBe('string');
    expect(line.duration_ms).toEqual(expect.any(Number));
    expect(Number(line.bytes_out)).toBeGreaterThan(Buffer.byteLength(answer));
    expect(String(line.client)).toMatch(/127\.0\.0\.1$/);
    expect(accessOf('logs-v1-ok')).toHaveLength(1);
  });

  it('writes one access line per REST call with the signed-in user, and one line per admin action', async () => {
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${userToken.token}`, 'x-request-id': 'logs-rest-me' } });
    expect(me.status).toBe(200);
    const line = await waitForLine((l) => l.event === 'access' && l.request_id === 'logs-rest-me', 'the REST access line');
    expect(line).toMatchObject({ context: 'Access', via: 'rest', method: 'GET', path: '/api/me', status: 200, user: EMAIL });
    expect(line.duration_ms).toEqual(expect.any(Number));

    const ban = await fetch(`${base}/api/admin/sessions/revoke-user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'x-request-id': 'logs-admin-ban' },
      body: JSON.stringify({ user_email: BANNED, reason: 'logs test' }),
    });
    expect(ban.status).toBe(200);
    const action = await waitForLine((l) => l.event === 'admin_action' && l.request_id === 'logs-admin-ban', 'the admin action line');
    expect(action).toMatchObject({ context: 'Audit', action: 'user.ban', actor: ADMIN, target: BANNED, outcome: 'success', status: 200 });
    await waitForLine((l) => l.event === 'access' && l.request_id === 'logs-admin-ban' && l.user === ADMIN, 'the admin call access line');
  });

  it('logs a refused authentication as a structured line, and its access line with the status', async () => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json', 'x-request-id': 'logs-refused' },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: forged }] }),
    });
    expect(res.status).toBe(401);
    await res.text();
    const refusal = await waitForLine((l) => l.event === 'auth_refused' && l.request_id === 'logs-refused', 'the refusal line');
    expect(refusal).toMatchObject({
      level: 'warn',
      context: 'AuthRefused',
      reason: 'bad_signature',
      status: 401,
      via: 'v1',
      path: '/v1/chat/completions',
    });
    const access = await waitForLine((l) => l.event === 'access' && l.request_id === 'logs-refused', 'the refused call access line');
    expect(access).toMatchObject({ status: 401, upstream_status: null, user: null });
  });

  it('never prints a secret, whether in a header, a query string, a path, a body or an upstream 5xx body', async () => {
    const t = userToken.token;
    const calls: Array<[string, RequestInit]> = [
      // Credentials in the query string and in x-api-key, a session cookie, a password in the body.
      [
        `/v1/chat/completions?api_key=${QUERY_SECRET}&token=${t}&key=${QUERY_SECRET}`,
        {
          method: 'POST',
          headers: { 'x-api-key': t, cookie: `llmgw.sid=${COOKIE_SECRET}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'echo-1',
            password: PASSWORD_IN_BODY,
            messages: [{ role: 'user', content: `${t} ${UPSTREAM_KEY}` }],
          }),
        },
      ],
      // A token and the upstream key in the path (a 404 for an authenticated caller).
      [
        `/v1/${t}/${UPSTREAM_KEY}/chat`,
        { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{}' },
      ],
      // Refused: a forged token in the header, the query and the path.
      [`/v1/models/${forged}?token=${forged}`, { headers: { authorization: `Bearer ${forged}`, cookie: `llmgw.sid=${COOKIE_SECRET}` } }],
      // The upstream answers 500 with a traceback full of secrets: its body is logged, redacted.
      [
        '/v1/chat/completions',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', 'x-request-id': 'logs-leak-500' },
          body: JSON.stringify({ model: 'leak-500', messages: [{ role: 'user', content: 'x' }] }),
        },
      ],
      // REST: a token and a key in the query, a refused token, a session cookie, a body with secrets.
      [`/api/me?token=${t}&api_key=${QUERY_SECRET}`, { headers: { authorization: `Bearer ${t}` } }],
      [`/api/me?access_token=${forged}`, { headers: { authorization: `Bearer ${forged}`, cookie: `llmgw.sid=${COOKIE_SECRET}` } }],
      [`/health?api_key=${QUERY_SECRET}&code=${QUERY_SECRET}`, {}],
      [
        '/api/token',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', 'x-api-key': t },
          body: JSON.stringify({ name: t, password: PASSWORD_IN_BODY, secret: UPSTREAM_KEY }),
        },
      ],
    ];
    for (const [path, init] of calls) {
      const res = await fetch(`${base}${path}`, init);
      await res.text();
    }
    // The 5xx body was logged (so the check below looks at a line that had secrets in it).
    const leak = await waitForLine(
      (l) => typeof l.msg === 'string' && l.msg.includes('Upstream answered 500') && l.msg.includes('logs-leak-500'),
      'the upstream 5xx body',
    );
    expect(leak.level).toBe('warn');
    await waitForLine((l) => l.event === 'access' && l.path === '/api/token', 'the last call access line');

    const output = stdout;
    const secrets: Record<string, string> = {
      'user token': t,
      'admin token': adminToken,
      'forged token': forged,
      'upstream key': UPSTREAM_KEY,
      'JWT secret': env.JWT_SECRET,
      'session secret': SESSION_SECRET,
      'query credential': QUERY_SECRET,
      'cookie value': 'cookie-secret-value-a1b2c3d4',
      'password in a body': PASSWORD_IN_BODY,
      ...Object.fromEntries(Object.entries(LEAKED_SECRETS).map(([name, value]) => [`upstream traceback ${name}`, value])),
    };
    const found = Object.entries(secrets)
      .filter(([, value]) => output.includes(value))
      .map(([name]) => name);
    expect(found).toEqual([]);
    // No JWT at all, whatever it is: every token starts with a base64url JSON header.
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10}/);
    // Every line is one JSON object (lines() throws otherwise), and the paths kept their shape.
    expect(
      lines().some(
        (l) => l.event === 'access' && typeof l.path === 'string' && l.path.startsWith('/health?api_key=[redacted]&code=[redacted]'),
      ),
    ).toBe(true);
  });
});
