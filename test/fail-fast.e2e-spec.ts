/**
 * Clients that fail fast and say why: every refusal of a credential on /v1 carries
 * `x-should-retry: false`, so the SDKs (and Claude Code) stop at once instead of retrying for
 * minutes; a validly signed token learns why it was refused; failures that may pass still retry.
 * The last tests drive the real Claude Code CLI, headless, through the gateway to the echo upstream.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { decodeJwt, signJwt } from './support/jwt-forge.js';
import { TEST_JWT_SECRET } from './support/test-app.js';

interface Answer {
  status: number;
  retry: string | null;
  error: Record<string, string>;
}

const CLAUDE = join(process.cwd(), 'node_modules', '.bin', 'claude');
const CLI_BOUND_MS = 60_000;

describe('clients that fail fast and say why', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ ownRedis: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function post(
    path: string,
    token: string | null,
    body: unknown = { model: 'echo', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
  ): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['x-api-key'] = token;
    const res = await fetch(`${stack.gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = (await res.json()) as { error?: Record<string, string> };
    return { status: res.status, retry: res.headers.get('x-should-retry'), error: json.error ?? {} };
  }
  const messages = (token: string | null): Promise<Answer> => post('/v1/messages', token);

  it('tells a client without a token, or with a forged one, not to retry, with the one generic message', async () => {
    const genuine = (await stack.mint('forger@example.com')).token;
    const [h, p, s] = genuine.split('.');
    const forged = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await messages(null)).toMatchObject({ status: 401, retry: 'false', error: { code: 'invalid_credentials' } });
    expect(await messages(forged)).toMatchObject({
      status: 401,
      retry: 'false',
      error: { code: 'invalid_credentials', message: 'Invalid or missing credentials' },
    });
  });

  it('says when a validly signed token expired, and not to retry', async () => {
    const claims = decodeJwt((await stack.mint('late@example.com')).token).payload;
    const exp = Math.floor(Date.now() / 1000) - 120;
    const expired = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: exp - 3600, exp }, TEST_JWT_SECRET);
    const answer = await messages(expired);
    expect(answer).toMatchObject({ status: 401, retry: 'false', error: { type: 'authentication_error', code: 'token_expired' } });
    expect(answer.error.message).toContain(new Date(exp * 1000).toISOString());
  });

  it('says a revoked token was revoked, and not to retry', async () => {
    const issued = await stack.mint('gone@example.com');
    expect((await messages(issued.token)).status).toBe(200);
    await stack.tokens.revokeById(issued.record.tokenId, 'admin@example.com');
    expect(await messages(issued.token)).toMatchObject({
      status: 401,
      retry: 'false',
      error: { code: 'token_revoked', message: 'This token has been revoked; create a new one' },
    });
  });

  it("says a banned user is banned, for how long and the admin's reason, and not to retry", async () => {
    const email = 'banned-sdk@example.com';
    const { token } = await stack.mint(email);
    await stack.activeUsers.ban({ email, bannedBy: 'admin@example.com', reason: 'shared their token in a public repo' });
    try {
      const answer = await messages(token);
      expect(answer).toMatchObject({ status: 401, retry: 'false', error: { code: 'user_banned' } });
      expect(answer.error.message).toMatch(/^User is banned for (7 days|6 days 23 hours) \(reason: shared their token in a public repo\)$/);
    } finally {
      await stack.activeUsers.unban(email);
    }
  });

  it("passes an upstream's 401 and 403 on with the same advice, and lets a 502 be retried", async () => {
    const { token } = await stack.mint('upstream-refused@example.com');
    const ask = (model: string): Promise<Answer> =>
      post('/v1/messages', token, { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(await ask('status-401')).toMatchObject({ status: 401, retry: 'false' });
    expect(await ask('status-403')).toMatchObject({ status: 403, retry: 'false' });
    const failed = await ask('status-502');
    expect(failed.status).toBe(502);
    expect(failed.retry).toBeNull();
  });

  describe('the real Claude Code CLI', () => {
    let home: string;
    beforeAll(async () => {
      home = await mkdtemp(join(tmpdir(), 'claude-home-'));
    });
    afterAll(async () => {
      await rm(home, { recursive: true, force: true });
    });

    interface Run {
      code: number | null;
      output: string;
      timedOut: boolean;
    }
    function runClaude(token: string): Promise<Run> {
      return new Promise((resolve) => {
        const child = spawn(CLAUDE, ['-p', 'say pong', '--max-turns', '1'], {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            ANTHROPIC_BASE_URL: stack.gw.url,
            ANTHROPIC_API_KEY: token,
            DISABLE_AUTOUPDATER: '1',
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        let timedOut = false;
        const bound = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, CLI_BOUND_MS);
        child.on('close', (code) => {
          clearTimeout(bound);
          resolve({ code, output, timedOut });
        });
      });
    }

    it(
      'gets its answer through the gateway with a valid token',
      async () => {
        const { token } = await stack.mint('cli-user@example.com');
        const run = await runClaude(token);
        expect(run).toMatchObject({ timedOut: false, code: 0 });
        // The echo upstream answers with the last user message.
        expect(run.output).toContain('say pong');
      },
      CLI_BOUND_MS + 10_000,
    );

    it(
      "exits at once, non-zero, printing the gateway's ban message, for a banned user",
      async () => {
        const email = 'cli-banned@example.com';
        const { token } = await stack.mint(email);
        await stack.activeUsers.ban({ email, bannedBy: 'admin@example.com', reason: 'leaked a token' });
        try {
          const before = stack.upstream.requests.length;
          const run = await runClaude(token);
          expect(run.timedOut).toBe(false);
          expect(run.code).not.toBe(0);
          expect(run.output).toContain('User is banned for');
          expect(run.output).toContain('leaked a token');
          expect(stack.upstream.requests.length).toBe(before);
        } finally {
          await stack.activeUsers.unban(email);
        }
      },
      CLI_BOUND_MS + 10_000,
    );
  });

  it('lets a client retry a 503 while Redis is down', async () => {
    const { token } = await stack.mint('outage@example.com');
    await stack.redis.stop();
    try {
      const answer = await messages(token);
      expect(answer.status).toBe(503);
      expect(answer.retry).toBeNull();
    } finally {
      await stack.redis.start();
    }
  });
});
