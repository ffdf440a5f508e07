/**
 * Credentials the gateway could read two ways are refused: Authorization or x-api-key sent twice (Node
 * keeps only the first Authorization, a server behind it may read the last), or the two headers naming
 * two different tokens, on /v1 and on the REST API alike. And one claims check for both paths: a validly signed token whose nbf lies ahead is
 * refused on /v1 as on /api.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { decodeJwt, signJwt } from './support/jwt-forge.js';
import { TEST_JWT_SECRET } from './support/test-app.js';

const SDK_CONFLICT = {
  type: 'error',
  error: { type: 'authentication_error', message: 'Conflicting or malformed credentials', code: 'invalid_credentials' },
};

interface Answer {
  status: number;
  body: unknown;
}

/** Sends the headers exactly as listed, repeats included (Node's client sends an array as raw headers, Host aside). */
function get(url: string, rawHeaders: Array<[string, string]>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers: [['Host', new URL(url).host], ...rawHeaders].flat() });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? null : (JSON.parse(text) as unknown) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('credentials the gateway could read two ways', () => {
  let stack: GatewayStack;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    stack = await startGatewayStack();
    alice = (await stack.mint('alice@example.com')).token;
    bob = (await stack.mint('bob@example.com')).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const twice: Array<[string, () => Array<[string, string]>]> = [
    [
      'two Authorization headers of different users',
      () => [
        ['Authorization', `Bearer ${alice}`],
        ['Authorization', `Bearer ${bob}`],
      ],
    ],
    [
      'the same Authorization header twice',
      () => [
        ['Authorization', `Bearer ${alice}`],
        ['authorization', `Bearer ${alice}`],
      ],
    ],
    [
      'two x-api-key headers',
      () => [
        ['x-api-key', alice],
        ['X-Api-Key', bob],
      ],
    ],
    [
      'the same x-api-key twice',
      () => [
        ['x-api-key', alice],
        ['x-api-key', alice],
      ],
    ],
    [
      'an Authorization header of one user and an x-api-key of another',
      () => [
        ['Authorization', `Bearer ${alice}`],
        ['x-api-key', bob],
      ],
    ],
  ];

  it.each(twice)('refuses %s on /v1 with 401, forwarding nothing', async (_label, headers) => {
    const before = stack.upstream.requests.length;
    expect(await get(`${stack.gw.url}/v1/models`, headers())).toEqual({ status: 401, body: SDK_CONFLICT });
    expect(stack.upstream.requests.length).toBe(before);
  });

  it.each(twice)('refuses %s on the REST API with 401', async (_label, headers) => {
    const answer = await get(`${stack.gw.url}/api/me`, headers());
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ statusCode: 401, code: 'invalid_credentials' });
  });

  it('still admits one Authorization header, and the same token in Authorization and x-api-key', async () => {
    expect((await get(`${stack.gw.url}/v1/models`, [['Authorization', `Bearer ${alice}`]])).status).toBe(200);
    expect(
      (
        await get(`${stack.gw.url}/v1/models`, [
          ['Authorization', `Bearer ${alice}`],
          ['x-api-key', alice],
        ])
      ).status,
    ).toBe(200);
    expect((await get(`${stack.gw.url}/api/me`, [['Authorization', `Bearer ${alice}`]])).status).toBe(200);
  });

  describe('nbf', () => {
    const now = (): number => Math.floor(Date.now() / 1000);
    const withNbf = (nbf: unknown): string => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...decodeJwt(alice).payload, nbf }, TEST_JWT_SECRET);

    it('refuses a validly signed, allowlisted token that is not valid yet, on /v1 as on /api', async () => {
      const before = stack.upstream.requests.length;
      const early = withNbf(now() + 3600);
      const v1 = await get(`${stack.gw.url}/v1/models`, [['Authorization', `Bearer ${early}`]]);
      expect(v1).toEqual({
        status: 401,
        body: {
          type: 'error',
          error: { type: 'authentication_error', message: 'Invalid or missing credentials', code: 'invalid_credentials' },
        },
      });
      expect(stack.upstream.requests.length).toBe(before);
      expect((await get(`${stack.gw.url}/api/me`, [['Authorization', `Bearer ${early}`]])).status).toBe(401);
    });

    it('admits the same token once its nbf has passed, on both paths', async () => {
      const valid = withNbf(now() - 5);
      expect((await get(`${stack.gw.url}/v1/models`, [['Authorization', `Bearer ${valid}`]])).status).toBe(200);
      expect((await get(`${stack.gw.url}/api/me`, [['Authorization', `Bearer ${valid}`]])).status).toBe(200);
    });
  });
});
