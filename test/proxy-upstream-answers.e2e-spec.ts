/**
 * What reaches the client of what the upstream answers: a 5xx becomes a generic SDK-shaped error
 * (its body, secrets redacted, goes to the log), response headers pass an allowlist, 4xx bodies
 * pass as they are. Real app, real redis-server, the echo upstream answering as LiteLLM does.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { LEAKED_SECRETS, LITELLM_INTERNAL_HEADERS, PROVIDER_HEADERS } from '../src/demo/echo-upstream.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { LogCollector } from './support/log-collector.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const EMAIL = 'upstream-answers@example.com';
const SECRETS = Object.values(LEAKED_SECRETS);
/** Headers a client may get on a relayed answer: the allowlisted ones and those Node sets for its own hop. */
const CLIENT_VISIBLE = new Set([
  'content-type',
  'content-length',
  'cache-control',
  'x-request-id',
  'x-upstream-request-id',
  'x-accel-buffering',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'date',
  // The gateway's own security headers.
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'referrer-policy',
  ...Object.keys(PROVIDER_HEADERS),
]);

let seq = 0;
const nextRequestId = (): string => `answers-${process.pid}-${++seq}`;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectNoInternalHeaders(headers: Headers): void {
  for (const name of Object.keys(LITELLM_INTERNAL_HEADERS)) expect(headers.get(name)).toBeNull();
  expect(headers.get('x-echo-error')).toBeNull();
}

// Both upstream clients (UPSTREAM_CLIENT) keep every behaviour here.
describe.each(['undici', 'http'])('upstream answers through the /v1 proxy (UPSTREAM_CLIENT=%s)', (client) => {
  let stack: GatewayStack;
  let token: string;
  let logs: LogCollector;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { UPSTREAM_CLIENT: client } });
    token = (await stack.mint(EMAIL)).token;
    logs = LogCollector.install();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (body: unknown, requestId: string, path = '/v1/chat/completions'): Promise<Response> =>
    fetch(`${stack.gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  describe('a failed answer (5xx)', () => {
    it('reaches the client as the same status with a generic SDK-shaped error and the request id, never the upstream body', async () => {
      const requestId = nextRequestId();
      const res = await post({ model: 'leak-500', messages: [{ role: 'user', content: 'x' }] }, requestId);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(res.headers.get('content-type')).toBe('application/json');
      expectNoInternalHeaders(res.headers);
      expect(JSON.parse(text)).toEqual({
        type: 'error',
        error: {
          type: 'api_error',
          message: `The upstream LLM service failed (HTTP 500); request id ${requestId}`,
          code: 'upstream_error',
        },
      });
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    });

    it('logs the upstream body with the request id and its secrets redacted', async () => {
      const requestId = nextRequestId();
      const res = await post({ model: 'leak-500', messages: [{ role: 'user', content: 'x' }] }, requestId);
      expect(res.status).toBe(500);
      await waitFor(() => logs.matching('Upstream answered 500', requestId).length > 0, 'the upstream body to be logged');
      const [line] = logs.matching('Upstream answered 500', requestId);
      expect(line.level).toBe('warn');
      // The story is kept...
      expect(line.message).toContain('Traceback (most recent call last)');
      expect(line.message).toContain('LITELLM_MASTER_KEY');
      expect(line.message).toContain('DATABASE_URL');
      expect(line.message).toContain('[REDACTED]');
      // ...the secrets are not.
      for (const secret of SECRETS) expect(line.message).not.toContain(secret);
    });

    it('does the same for a streamed (SSE) 5xx, which the openai SDK reads as an InternalServerError without the secrets', async () => {
      const requestId = nextRequestId();
      const res = await post({ model: 'leak-500', stream: true, messages: [{ role: 'user', content: 'x' }] }, requestId);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('x-accel-buffering')).toBeNull();
      expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'api_error', code: 'upstream_error' } });
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      await waitFor(() => logs.matching('Upstream answered 500', requestId).length > 0, 'the streamed body to be logged');
      const [line] = logs.matching('Upstream answered 500', requestId);
      expect(line.message).toContain('Traceback');
      for (const secret of SECRETS) expect(line.message).not.toContain(secret);

      const sdkRequestId = nextRequestId();
      const err = await new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 }).chat.completions
        .create(
          { model: 'leak-500', stream: true, messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'x-request-id': sdkRequestId } },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      const apiError = err as InstanceType<typeof OpenAI.InternalServerError>;
      expect(apiError.status).toBe(500);
      expect(apiError.error).toEqual({
        type: 'api_error',
        message: `The upstream LLM service failed (HTTP 500); request id ${sdkRequestId}`,
        code: 'upstream_error',
      });
      for (const secret of SECRETS) expect(`${apiError.message} ${JSON.stringify(apiError.error)}`).not.toContain(secret);
    });

    it('keeps the allowlisted headers (Retry-After, rate limits, the upstream request id) on a 503', async () => {
      const requestId = nextRequestId();
      const res = await post({ model: 'status-503', messages: [] }, requestId);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('99');
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(res.headers.get('x-upstream-request-id')).toMatch(/^echo-\d+$/);
      expectNoInternalHeaders(res.headers);
      expect(await res.json()).toEqual({
        type: 'error',
        error: {
          type: 'overloaded_error',
          message: `The upstream LLM service failed (HTTP 503); request id ${requestId}`,
          code: 'upstream_error',
        },
      });
    });

    it('is read by the Anthropic SDK as an overload with the generic message', async () => {
      const err = await new Anthropic({ apiKey: token, baseURL: stack.gw.url, maxRetries: 0 }).messages
        .create({ model: 'status-529', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.InternalServerError);
      const apiError = err as InstanceType<typeof Anthropic.InternalServerError>;
      expect(apiError.status).toBe(529);
      expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', code: 'upstream_error' } });
      expect(JSON.stringify(apiError.error)).not.toContain('echo upstream answered');
    });
  });

  describe('response headers', () => {
    it('pass an allowlist: provider and rate-limit headers reach the client, LiteLLM internals and cookies do not', async () => {
      const res = await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      for (const [name, value] of Object.entries(PROVIDER_HEADERS)) expect(res.headers.get(name)).toBe(value);
      expectNoInternalHeaders(res.headers);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get('x-upstream-request-id')).toMatch(/^echo-\d+$/);
      expect([...res.headers.keys()].filter((name) => !CLIENT_VISIBLE.has(name))).toEqual([]);
    });

    it('filter a streamed answer the same way, and it still arrives event by event with x-accel-buffering: no', async () => {
      const requestId = nextRequestId();
      const body = JSON.stringify({ model: 'slow-stream', stream: true, messages: [{ role: 'user', content: 'x' }] });
      const { res, firstChunk, upstreamDoneAtFirstChunk } = await new Promise<{
        res: IncomingMessage;
        firstChunk: string;
        upstreamDoneAtFirstChunk: boolean;
      }>((resolve, reject) => {
        const req = httpRequest(`${stack.gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
        });
        req.on('response', (response) => {
          response.once('data', (chunk: Buffer) => {
            const received = stack.upstream.requests.find((r) => r.headers['x-request-id'] === requestId);
            resolve({ res: response, firstChunk: chunk.toString('utf8'), upstreamDoneAtFirstChunk: received?.finished ?? true });
            response.destroy();
          });
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      expect(res.headers['x-accel-buffering']).toBe('no');
      expect(res.headers['x-request-id']).toBe(requestId);
      expect(res.headers['x-ratelimit-remaining-requests']).toBe('99');
      for (const name of Object.keys(LITELLM_INTERNAL_HEADERS)) expect(res.headers[name]).toBeUndefined();
      expect(Object.keys(res.headers).filter((name) => !CLIENT_VISIBLE.has(name))).toEqual([]);
      expect(firstChunk).toMatch(/^data: \{/);
      // The upstream has 600 events to send, 50 ms apart: a buffering gateway would have sent nothing yet.
      expect(upstreamDoneAtFirstChunk).toBe(false);
    });

    it('keep a 4xx body byte for byte but pass only the allowlisted headers', async () => {
      const res = await post({ model: 'status-429', messages: [] }, nextRequestId());
      expect(res.status).toBe(429);
      expect(await res.text()).toBe(
        JSON.stringify({ error: { message: 'echo upstream answered 429 as asked', type: 'rate_limit_error', code: 'echo_429' } }),
      );
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('anthropic-ratelimit-requests-remaining')).toBe('49');
      expectNoInternalHeaders(res.headers);
      expect(res.headers.getSetCookie()).toEqual([]);
    });
  });

  describe('UPSTREAM_RESPONSE_HEADERS', () => {
    let extended: TestApp;
    let extendedToken: string;
    beforeAll(async () => {
      extended = await startTestApp(
        testEnv(stack.redis.url, { UPSTREAM_URL: stack.upstream.url, UPSTREAM_RESPONSE_HEADERS: 'X-Echo-Error, x-litellm-version' }),
      );
      extendedToken = (await extended.get<TokensService>(TokensService).create({ email: EMAIL, createdVia: 'cli' })).token;
      // Creating an app resets Nest's logger.
      logs = LogCollector.install();
    });
    afterAll(async () => {
      await extended?.close();
    });

    it('adds the named headers to the allowlist, and only those', async () => {
      const res = await fetch(`${extended.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${extendedToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'status-429', messages: [] }),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(429);
      expect(res.headers.get('x-echo-error')).toBe('429');
      expect(res.headers.get('x-litellm-version')).toBe(LITELLM_INTERNAL_HEADERS['x-litellm-version']);
      expect(res.headers.get('x-litellm-model-api-base')).toBeNull();
      expect(res.headers.get('x-litellm-key-spend')).toBeNull();
      expect(res.headers.getSetCookie()).toEqual([]);
    });
  });
});
