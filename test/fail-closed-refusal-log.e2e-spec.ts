/**
 * Every refused authentication leaves one structured line (context AuthRefused): the reason, the
 * request id, the client's address, and the user and token id when the token's signature was
 * valid; never the token. A flood is capped per reason: a few lines a second, then a count.
 * The app's log goes to a LoggerService of the test's (startTestApp's `logger`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActiveUsersService } from '../src/active-users/active-users.service.js';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { decodeJwt, signJwt } from './support/jwt-forge.js';
import { LogCapture } from './support/log-capture.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, TEST_JWT_SECRET, testEnv, type TestApp } from './support/test-app.js';

const FORGED_SECRET = 'not-the-gateway-secret-but-long-enough-0000000';

interface Stack {
  redis: TestRedis;
  upstream: EchoUpstream;
  gw: TestApp;
  logs: LogCapture;
  tokens: TokensService;
  close(): Promise<void>;
}

async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const redis = await startTestRedis();
  const upstream = await startEchoUpstream();
  const logs = new LogCapture();
  const gw = await startTestApp(testEnv(redis.url, { UPSTREAM_URL: upstream.url, ...env }), { logger: logs });
  return {
    redis,
    upstream,
    gw,
    logs,
    tokens: gw.get<TokensService>(TokensService),
    close: async () => {
      await gw.close();
      await upstream.close();
      await redis.close();
    },
  };
}

async function call(url: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

/** A token signed with the gateway's secret whose claims are those of `genuine`, changed by `change`. */
function resign(genuine: string, change: Record<string, unknown>): string {
  const { header, payload } = decodeJwt(genuine);
  return signJwt(header, { ...payload, ...change }, TEST_JWT_SECRET);
}

describe('refused authentications are logged', () => {
  let stack: Stack;
  let valid: string;
  let validId: string;
  let revoked: string;
  let revokedId: string;
  let banned: string;
  let bannedId: string;
  let expired: string;
  let forged: string;

  beforeAll(async () => {
    stack = await startStack();
    const alice = await stack.tokens.create({ email: 'alice@example.com', createdVia: 'cli' });
    valid = alice.token;
    validId = alice.record.tokenId;
    const bob = await stack.tokens.create({ email: 'bob@example.com', createdVia: 'cli' });
    await stack.tokens.revokeById(bob.record.tokenId, 'admin@example.com');
    revoked = bob.token;
    revokedId = bob.record.tokenId;
    const carol = await stack.tokens.create({ email: 'carol@example.com', createdVia: 'cli' });
    await stack.gw.get<ActiveUsersService>(ActiveUsersService).ban({ email: 'carol@example.com', bannedBy: 'admin@example.com' });
    banned = carol.token;
    bannedId = carol.record.tokenId;
    const now = Math.floor(Date.now() / 1000);
    expired = resign(valid, { iat: now - 7200, exp: now - 3600 });
    forged = signJwt({ alg: 'HS256', typ: 'JWT' }, decodeJwt(valid).payload, FORGED_SECRET);
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The AuthRefused lines that name this request id. */
  const linesOf = (requestId: string): Array<Record<string, unknown>> =>
    stack.logs.jsonOf('AuthRefused').filter((line) => line.request_id === requestId);

  const cases = (): Array<{
    name: string;
    headers: Record<string, string>;
    status: number;
    expected: Record<string, unknown>;
    secret?: string;
  }> => [
    {
      name: 'a bad signature',
      headers: { authorization: `Bearer ${forged}` },
      status: 401,
      expected: { reason: 'bad_signature' },
      secret: forged,
    },
    {
      name: 'garbage',
      headers: { authorization: 'Bearer not-a-jwt-at-all' },
      status: 401,
      expected: { reason: 'malformed_token' },
      secret: 'not-a-jwt-at-all',
    },
    {
      name: 'an expired token',
      headers: { authorization: `Bearer ${expired}` },
      status: 401,
      expected: { reason: 'expired', user: 'alice@example.com', token_id: validId },
      secret: expired,
    },
    {
      name: 'a revoked token',
      headers: { authorization: `Bearer ${revoked}` },
      status: 401,
      expected: { reason: 'revoked', user: 'bob@example.com', token_id: revokedId },
      secret: revoked,
    },
    {
      name: 'a banned user',
      headers: { 'x-api-key': banned },
      status: 401,
      expected: { reason: 'banned', user: 'carol@example.com', token_id: bannedId },
      secret: banned,
    },
    {
      name: 'conflicting credentials',
      headers: { authorization: `Bearer ${valid}`, 'x-api-key': revoked },
      status: 401,
      expected: { reason: 'conflicting_credentials' },
      secret: valid,
    },
    { name: 'no credentials', headers: {}, status: 401, expected: { reason: 'missing_credentials' } },
  ];

  for (const [via, path] of [
    ['v1', '/v1/models'],
    ['rest', '/api/me'],
  ] as const) {
    it(`writes one line per refusal on ${path}, with reason, request id, client and (for a valid signature) user and token id, never the token`, async () => {
      for (const c of cases()) {
        const requestId = `refused-${via}-${randomUUID()}`;
        expect({ case: c.name, status: await call(`${stack.gw.url}${path}`, { ...c.headers, 'x-request-id': requestId }) }).toEqual({
          case: c.name,
          status: c.status,
        });
        const lines = linesOf(requestId);
        expect({ case: c.name, lines }).toEqual({
          case: c.name,
          lines: [
            {
              event: 'auth_refused',
              status: c.status,
              via,
              request_id: requestId,
              client: '127.0.0.1',
              method: 'GET',
              path,
              ...c.expected,
            },
          ],
        });
        if (c.secret !== undefined) expect(stack.logs.text()).not.toContain(c.secret.split('.').at(-1));
      }
      const lines = stack.logs.of('AuthRefused');
      expect(lines.every((line) => line.level === 'warn')).toBe(true);
    });
  }

  it('writes nothing for an admitted call', async () => {
    const requestId = `admitted-${randomUUID()}`;
    expect(await call(`${stack.gw.url}/v1/models`, { authorization: `Bearer ${valid}`, 'x-request-id': requestId })).toBe(200);
    expect(linesOf(requestId)).toEqual([]);
  });
});

describe('a flood of refusals', () => {
  const PER_SECOND = 5;
  const FLOOD = 1000;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AUTH_REFUSAL_LOG_PER_SECOND: String(PER_SECOND) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is capped: a few lines a second, and summary lines that count every refusal left out', async () => {
    const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'mallory@example.com', jti: 'x'.repeat(20) }, FORGED_SECRET);
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < FLOOD) {
        next += 1;
        expect(await call(`${stack.gw.url}/v1/models`, { authorization: `Bearer ${forged}` })).toBe(401);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    const floodSeconds = (Date.now() - started) / 1000;

    // The last summary comes up to a second after the flood: wait for every refusal to be accounted for.
    const accounted = (): { lines: number; suppressed: number } => {
      const json = stack.logs.jsonOf('AuthRefused').filter((line) => line.reason === 'bad_signature');
      return {
        lines: json.filter((line) => line.event === 'auth_refused').length,
        suppressed: json.filter((line) => line.event === 'auth_refused_suppressed').reduce((sum, line) => sum + Number(line.suppressed), 0),
      };
    };
    const deadline = Date.now() + 10_000;
    while (accounted().lines + accounted().suppressed < FLOOD && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const { lines, suppressed } = accounted();
    expect(lines + suppressed).toBe(FLOOD);
    // The bucket: a burst of PER_SECOND, then PER_SECOND a second for as long as the flood lasted.
    expect(lines).toBeLessThanOrEqual(PER_SECOND + Math.ceil(PER_SECOND * (floodSeconds + 1)));
    expect(suppressed).toBeGreaterThan(0);
    expect(stack.logs.text()).not.toContain(forged.split('.')[2]);
  });
});
