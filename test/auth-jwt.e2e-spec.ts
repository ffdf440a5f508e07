/**
 * Gateway tokens at the edge: every way a token can be wrong is refused with one indistinct
 * 401, revocation and bans take effect on the very next request, and a JWT caller's activity
 * is recorded. Forged tokens start from a genuine, allowlisted token and change one thing, so
 * the check under test is the only reason for a refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { ActivityWriteBehind } from '../src/active-users/activity-write-behind.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { b64url, decodeJwt, signJwt, type JwtPart } from './support/jwt-forge.js';
import { TEST_JWT_SECRET } from './support/test-app.js';

const HS256 = { alg: 'HS256', typ: 'JWT' };
const MAX_DAYS = 90;
const ACTIVE_TTL = 3600;
const SUPER_ADMIN = 'root@example.com';

const INVALID_TOKEN = {
  type: 'error',
  error: { type: 'authentication_error', message: 'Invalid or missing credentials', code: 'invalid_credentials' },
};

interface Answer {
  status: number;
  body: unknown;
}

describe('JWT authentication', () => {
  let stack: GatewayStack;
  let upstreamCount: () => number;

  beforeAll(async () => {
    stack = await startGatewayStack({
      env: { TOKEN_MAX_DAYS: String(MAX_DAYS), ACTIVE_USER_TTL_SECONDS: String(ACTIVE_TTL), SUPER_ADMIN_EMAIL: SUPER_ADMIN },
    });
    upstreamCount = () => stack.upstream.requests.length;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function call(path: string, headers: Record<string, string>): Promise<Answer> {
    const res = await fetch(`${stack.gw.url}${path}`, { headers });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }
  const models = (headers: Record<string, string>): Promise<Answer> => call('/v1/models', headers);
  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  describe('on /v1', () => {
    let genuine: string;
    let claims: JwtPart;

    beforeAll(async () => {
      genuine = (await stack.mint('bob@example.com', { name: 'forgery base' })).token;
      claims = decodeJwt(genuine).payload;
    });

    const resign = (changes: JwtPart, header: JwtPart = HS256): string => signJwt(header, { ...claims, ...changes }, TEST_JWT_SECRET);
    const now = (): number => Math.floor(Date.now() / 1000);

    it('admits the genuine token, and a hand-built copy of it (so the forgeries below differ only where they say)', async () => {
      expect((await models(bearer(genuine))).status).toBe(200);
      const copy = resign({});
      expect(copy).toBe(genuine);
      expect((await models({ 'x-api-key': copy })).status).toBe(200);
    });

    const forgeries: Array<[string, () => string]> = [
      ['an expired token with a wrong claim', () => resign({ iat: now() - 7200, exp: now() - 60, aud: 'another-api' })],
      ['a token issued in the future', () => resign({ iat: now() + 3600, exp: now() + 7200 })],
      [
        'a tampered payload',
        () => {
          const [h, , s] = genuine.split('.');
          return `${h}.${b64url({ ...claims, sub: 'mallory@example.com', email: 'mallory@example.com' })}.${s}`;
        },
      ],
      [
        'a tampered signature',
        () => {
          const [h, p, s] = genuine.split('.');
          return `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
        },
      ],
      [
        'another spelling of the same signature',
        () => {
          const last = genuine.at(-1) as string;
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          return `${genuine.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
        },
      ],
      ['a signature made with another secret', () => signJwt(HS256, claims, 'some-other-secret-that-is-long-enough-0123')],
      ['alg none without a signature', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`],
      ['alg none with a signature', () => resign({}, { alg: 'none', typ: 'JWT' })],
      ['an HS512 header and signature', () => signJwt({ alg: 'HS512', typ: 'JWT' }, claims, TEST_JWT_SECRET, 'sha512')],
      ['an RS256 header over an HMAC of the secret', () => resign({}, { alg: 'RS256', typ: 'JWT' })],
      ['a wrong issuer', () => resign({ iss: 'someone-else' })],
      ['a wrong audience', () => resign({ aud: 'another-api' })],
      ['a lifetime over TOKEN_MAX_DAYS', () => resign({ exp: (claims.iat as number) + MAX_DAYS * 86400 + 3600 })],
      ['an email that is not the subject', () => resign({ email: 'mallory@example.com' })],
      ['an unknown scope', () => resign({ scope: 'llm root' })],
      ['garbage', () => 'not.a.jwt'],
    ];

    it.each(forgeries)('refuses %s with the same 401 as every other bad token, forwarding nothing', async (_label, forge) => {
      const before = upstreamCount();
      for (const headers of [bearer(forge()), { 'x-api-key': forge() }]) {
        expect(await models(headers)).toEqual({ status: 401, body: INVALID_TOKEN });
      }
      expect(upstreamCount()).toBe(before);
    });

    it('refuses a request without credentials', async () => {
      expect(await models({})).toEqual({
        status: 401,
        body: { type: 'error', error: { type: 'authentication_error', message: 'Missing API token', code: 'invalid_credentials' } },
      });
    });

    it.each(['api_key', 'key', 'access_token', 'token'])('never reads the token from the query string (?%s=)', async (param) => {
      const before = upstreamCount();
      const answer = await call(`/v1/models?${param}=${genuine}`, {});
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ type: 'error', error: { type: 'authentication_error', code: 'invalid_credentials' } });
      expect(upstreamCount()).toBe(before);
    });

    it('refuses two different credentials in one request, even when both are valid', async () => {
      const other = (await stack.mint('carol@example.com')).token;
      const conflict = {
        status: 401,
        body: {
          type: 'error',
          error: { type: 'authentication_error', message: 'Conflicting or malformed credentials', code: 'invalid_credentials' },
        },
      };
      expect(await models({ authorization: `Bearer ${genuine}`, 'x-api-key': other })).toEqual(conflict);
      expect(await models({ authorization: `Bearer ${genuine}`, 'x-api-key': 'b' })).toEqual(conflict);
      expect(await models({ authorization: `Basic ${Buffer.from(`u:${genuine}`).toString('base64')}` })).toEqual(conflict);
      // The same token in both headers is one credential.
      expect((await models({ authorization: `Bearer ${genuine}`, 'x-api-key': genuine })).status).toBe(200);
    });

    it('is read by the OpenAI SDK as an AuthenticationError', async () => {
      const err = await new OpenAI({ apiKey: resign({ iss: 'nope' }), baseURL: `${stack.gw.url}/v1`, maxRetries: 0 }).models
        .list()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).error).toEqual(INVALID_TOKEN.error);
    });
  });

  describe('revocation', () => {
    it('refuses a revoked token on the very next request', async () => {
      const { token, record } = await stack.mint('dave@example.com');
      expect((await models(bearer(token))).status).toBe(200);
      await stack.tokens.revokeById(record.tokenId, 'admin@example.com');
      const revoked = {
        type: 'error',
        error: { type: 'authentication_error', message: 'This token has been revoked; create a new one', code: 'token_revoked' },
      };
      expect(await models(bearer(token))).toEqual({ status: 401, body: revoked });
    });

    it('leaves the user’s other tokens working', async () => {
      const first = await stack.mint('erin@example.com', { name: 'one' });
      const second = await stack.mint('erin@example.com', { name: 'two' });
      await stack.tokens.revokeById(first.record.tokenId, 'erin@example.com');
      expect((await models(bearer(first.token))).status).toBe(401);
      expect((await models(bearer(second.token))).status).toBe(200);
    });
  });

  describe('bans', () => {
    it('refuses every token of a banned user on the next request, says for how long, and lets them back after unban', async () => {
      const email = 'frank@example.com';
      const { token } = await stack.mint(email);
      expect((await models(bearer(token))).status).toBe(200);

      const ban = await stack.activeUsers.ban({ email, bannedBy: 'admin@example.com', reason: 'test' });
      const before = upstreamCount();
      const answer = await models(bearer(token));
      expect(answer.status).toBe(401);
      const error = (answer.body as { type: string; error: Record<string, string> }).error;
      expect((answer.body as { type: string }).type).toBe('error');
      expect(error.type).toBe('authentication_error');
      expect(error.code).toBe('user_banned');
      // BAN_TTL_SECONDS defaults to 7 days; a second later the two largest units are 6 days 23 hours.
      expect(error.message).toMatch(/^User is banned for (7 days|6 days 23 hours) \(reason: test\)$/);
      expect(Math.abs(Date.parse(error.banned_until) - ban.until)).toBeLessThan(5000);

      // A token minted during the ban is refused too; nothing was forwarded.
      const fresh = (await stack.mint(email)).token;
      expect((await models(bearer(fresh))).body).toMatchObject({ error: { code: 'user_banned' } });
      expect(upstreamCount()).toBe(before);

      expect(await stack.activeUsers.unban(email)).toBe(true);
      expect((await models(bearer(token))).status).toBe(200);
      expect((await models(bearer(fresh))).status).toBe(200);
    });

    it('reports the ban through the Anthropic SDK error shape', async () => {
      const email = 'gina@example.com';
      const { token } = await stack.mint(email);
      await stack.activeUsers.ban({ email, bannedBy: 'admin@example.com' });
      const res = await fetch(`${stack.gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', code: 'user_banned' } });
    });
  });

  describe('on a REST route (/api/admin/manage)', () => {
    let rootToken: string;
    beforeAll(async () => {
      rootToken = (await stack.mint(SUPER_ADMIN, { scopes: ['llm', 'admin'] })).token;
    });
    const manage = (headers: Record<string, string>): Promise<Answer> => call('/api/admin/manage', headers);
    const rest = (message: string, code = 'invalid_credentials'): JwtPart => ({ statusCode: 401, error: 'Unauthorized', message, code });

    it('admits a genuine token', async () => {
      expect((await manage(bearer(rootToken))).status).toBe(200);
    });

    it('refuses bad tokens with one indistinct 401 in the REST shape; a validly signed expired one is told when, as on /v1', async () => {
      const base = decodeJwt(rootToken).payload;
      const now = Math.floor(Date.now() / 1000);
      const resign = (changes: JwtPart, header: JwtPart = HS256): string => signJwt(header, { ...base, ...changes }, TEST_JWT_SECRET);
      // One verifier for /v1 and the REST API: the same refusal, word for word.
      const expiredAt = new Date((now - 60) * 1000).toISOString();
      expect(await manage(bearer(resign({ iat: now - 7200, exp: now - 60 })))).toEqual({
        status: 401,
        body: rest(`This token expired at ${expiredAt}; create a new one`, 'token_expired'),
      });
      // Not before its nbf, on both paths alike.
      expect(await manage(bearer(resign({ nbf: now + 3600 })))).toEqual({ status: 401, body: rest('Invalid or missing credentials') });
      const bad = [
        resign({ iat: now - 7200, exp: now - 60, aud: 'another-api' }),
        resign({}, { alg: 'none', typ: 'JWT' }),
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(base)}.`,
        signJwt({ alg: 'HS512', typ: 'JWT' }, base, TEST_JWT_SECRET, 'sha512'),
        resign({ iss: 'someone-else' }),
        resign({ aud: 'another-api' }),
        resign({ exp: (base.iat as number) + MAX_DAYS * 86400 + 3600 }),
        `${rootToken.slice(0, -5)}AAAAA`,
      ];
      for (const token of bad) expect(await manage(bearer(token))).toEqual({ status: 401, body: rest('Invalid or missing credentials') });
    });

    it('refuses missing, query-string and conflicting credentials', async () => {
      expect(await manage({})).toEqual({ status: 401, body: rest('Invalid or missing credentials') });
      expect((await call(`/api/admin/manage?access_token=${rootToken}`, {})).status).toBe(401);
      const other = (await stack.mint('helen@example.com')).token;
      expect(await manage({ authorization: `Bearer ${rootToken}`, 'x-api-key': other })).toEqual({
        status: 401,
        body: rest('Conflicting or malformed credentials'),
      });
    });

    it('refuses a revoked token and a banned user on the next request', async () => {
      const revoked = await stack.mint(SUPER_ADMIN, { scopes: ['llm', 'admin'], name: 'to revoke' });
      expect((await manage(bearer(revoked.token))).status).toBe(200);
      await stack.tokens.revokeById(revoked.record.tokenId, SUPER_ADMIN);
      expect(await manage(bearer(revoked.token))).toEqual({
        status: 401,
        body: rest('This token has been revoked; create a new one', 'token_revoked'),
      });

      await stack.activeUsers.ban({ email: SUPER_ADMIN, bannedBy: 'test' });
      try {
        const answer = await manage(bearer(rootToken));
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ statusCode: 401, code: 'user_banned', message: expect.stringMatching(/^User is banned for /) });
      } finally {
        await stack.activeUsers.unban(SUPER_ADMIN);
      }
      expect((await manage(bearer(rootToken))).status).toBe(200);
    });
  });

  describe('active-user tracking', () => {
    it('records a JWT caller’s activity in one per-user record with a sliding TTL and the last-access index', async () => {
      const email = 'ivan@example.com';
      const { token, record } = await stack.mint(email, { name: 'laptop' });
      const redis = stack.redis.client();
      const key = stack.keys.activeUser(email);
      expect(await redis.exists(key)).toBe(0);

      const started = Date.now();
      for (let i = 0; i < 3; i++) expect((await models(bearer(token))).status).toBe(200);
      // Activity is written behind, within a second; the flush it would run is run now.
      const activity = stack.gw.get<ActivityWriteBehind>(ActivityWriteBehind);
      await activity.flush();
      const first = await redis.hgetall(key);
      expect(first).toMatchObject({ email, last_method: 'jwt', last_token_name: 'laptop', request_count: '3' });
      expect(Number(first.first_seen)).toBeGreaterThanOrEqual(started);
      expect(Number(first.last_access)).toBeGreaterThanOrEqual(Number(first.first_seen));
      expect(Number(first.method_jwt)).toBe(Number(first.last_access));
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(ACTIVE_TTL - 60);
      expect(ttl).toBeLessThanOrEqual(ACTIVE_TTL);
      // The index has a second's resolution per user (written at most once a second); the record is exact.
      const indexed = Number(await redis.zscore(stack.keys.usersByLastAccess(), email));
      expect(indexed).toBeGreaterThanOrEqual(Number(first.first_seen));
      expect(Number(first.last_access) - indexed).toBeLessThan(1000);

      // Another token: the count goes on, first_seen stays, the token name follows the last call.
      const desktop = await stack.mint(email, { name: 'desktop' });
      await redis.expire(key, 100);
      expect((await models(bearer(desktop.token))).status).toBe(200);
      await activity.flush();
      const second = await redis.hgetall(key);
      expect(second).toMatchObject({ first_seen: first.first_seen, request_count: '4', last_token_name: 'desktop' });
      expect(await redis.ttl(key)).toBeGreaterThan(ACTIVE_TTL - 60);
      expect((await stack.tokens.get(email, record.tokenId)).lastUsedAt).toBeGreaterThanOrEqual(started);

      // A refused call is not activity.
      await stack.tokens.revokeById(desktop.record.tokenId, email);
      expect((await models(bearer(desktop.token))).status).toBe(401);
      await activity.flush();
      expect((await redis.hgetall(key)).request_count).toBe('4');
    });
  });
});
