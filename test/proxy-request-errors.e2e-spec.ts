/**
 * Every /v1 request gets an answer: a body that cannot be re-encoded (nesting deeper than
 * JSON_MAX_DEPTH) is a 400 at once, and a fault nobody foresaw is a 500 in the SDK shape, logged with
 * the request id, instead of a socket left hanging.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { TokenVerifier } from '../src/auth/token-verifier.service.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'errors@example.com';
const MAX_DEPTH = 16;

const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('answers to bodies and faults the proxy cannot pass on', () => {
  let stack: GatewayStack;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { JSON_MAX_DEPTH: String(MAX_DEPTH) } });
    token = (await stack.mint(EMAIL)).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function post(
    path: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown; headers: Headers }> {
    const res = await fetch(`${stack.gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body,
      // A hung socket fails the test instead of the suite's timeout.
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: await res.json(), headers: res.headers };
  }

  it.each([
    ['5,000 nested arrays in a chat completion', '/v1/chat/completions', `{"model":"echo-1","messages":${nestedArrays(5000)}}`],
    [
      '5,000 nested objects in an Anthropic message',
      '/v1/messages',
      `{"model":"echo-1","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    ],
    ['one level more than JSON_MAX_DEPTH', '/v1/chat/completions', `{"model":"echo-1","messages":[],"x":${nestedArrays(MAX_DEPTH)}}`],
  ])('refuses %s with 400 at once, forwarding nothing', async (_label, path, body) => {
    const before = stack.upstream.requests.length;
    const { status, json } = await post(path, body);
    expect(status).toBe(400);
    expect(json).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'json_too_deep',
        message: `Request body nests arrays and objects deeper than ${MAX_DEPTH} levels`,
      },
    });
    expect(stack.upstream.requests.length).toBe(before);
  });

  it('forwards a body nested exactly JSON_MAX_DEPTH deep', async () => {
    const { status } = await post('/v1/chat/completions', `{"model":"echo-1","messages":[],"x":${nestedArrays(MAX_DEPTH - 1)}}`);
    expect(status).toBe(200);
    expect(stack.upstream.requests.at(-1)?.json?.x).toEqual(JSON.parse(nestedArrays(MAX_DEPTH - 1)));
  });

  it('answers an unforeseen fault with a 500 in the SDK shape and logs it with the request id', async () => {
    const errors: string[] = [];
    const logSpy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push(String(message));
    });
    const verifier = stack.gw.get<TokenVerifier>(TokenVerifier);
    const faultSpy = jest.spyOn(verifier, 'admitSigned').mockRejectedValueOnce(new TypeError('a fault nobody foresaw'));
    try {
      const requestId = `fault-${process.pid}`;
      const { status, json, headers } = await post('/v1/chat/completions', '{"model":"echo-1","messages":[]}', {
        'x-request-id': requestId,
      });
      expect(status).toBe(500);
      expect(json).toEqual({ type: 'error', error: { type: 'api_error', message: 'Internal error', code: 'internal_error' } });
      expect(headers.get('x-request-id')).toBe(requestId);
      expect(errors.some((line) => line.includes(requestId) && line.includes('a fault nobody foresaw'))).toBe(true);
    } finally {
      faultSpy.mockRestore();
      logSpy.mockRestore();
    }
    // The next call is served as usual.
    expect((await post('/v1/chat/completions', '{"model":"echo-1","messages":[]}')).status).toBe(200);
  });
});
