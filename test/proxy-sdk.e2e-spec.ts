/**
 * The /v1 proxy as API clients use it: the official openai@6 and @anthropic-ai/sdk clients (1.x
 * with Bearer, 0.x with x-api-key) through the real gateway to the echo upstream, which records
 * what it received.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import AnthropicLegacy from 'anthropic-sdk-0x';
import OpenAI from 'openai';
import type { ReceivedRequest } from '../src/demo/echo-upstream.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { startGatewayStack, UPSTREAM_API_KEY, type GatewayStack } from './support/gateway-stack.js';
import { freePort } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const EMAIL = 'alice@example.com';
const BODY_LIMIT_BYTES = 64 * 1024;

/** Identity headers a client might send to pass as someone else; none may reach the upstream. */
const SPOOFED_HEADERS: Record<string, string> = {
  'x-user-email': 'mallory@evil.test',
  x_user_email: 'mallory@evil.test',
  'x-forwarded-user': 'mallory',
  'x-forwarded-email': 'mallory@evil.test',
  'x-forwarded-for': '203.0.113.66',
  'x-litellm-customer-id': 'mallory@evil.test',
  'x-litellm-end-user-id': 'mallory@evil.test',
  x_litellm_end_user_id: 'mallory@evil.test',
  'x-litellm-api-key': 'sk-mallory',
  'x-gateway-user-email': 'mallory@evil.test',
  'x-gateway-token-id': 'mallory-token',
  'x-end-user-id': 'mallory',
};
/** The spoofed names the gateway sets itself (with the verified values). */
const GATEWAY_SET = new Set(['x-litellm-customer-id', 'x-litellm-end-user-id', 'x-gateway-user-email', 'x-gateway-token-id']);

let requestSeq = 0;
function nextRequestId(): string {
  return `sdk-test-${process.pid}-${++requestSeq}`;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the /v1 proxy with the official SDKs', () => {
  let stack: GatewayStack;
  let token: string;
  let tokenId: string;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { BODY_LIMIT: `${BODY_LIMIT_BYTES}b` } });
    const issued = await stack.mint(EMAIL, { name: 'sdk tests' });
    token = issued.token;
    tokenId = issued.record.tokenId;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const openai = (): OpenAI => new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 });
  const anthropic = (): Anthropic => new Anthropic({ apiKey: token, baseURL: stack.gw.url, maxRetries: 0 });
  const anthropicLegacy = (): AnthropicLegacy => new AnthropicLegacy({ apiKey: token, baseURL: stack.gw.url, maxRetries: 0 });

  /** The one request the upstream received with this gateway request id. */
  function receivedWith(requestId: string): ReceivedRequest {
    const matches = stack.upstream.requests.filter((r) => r.headers['x-request-id'] === requestId);
    expect(matches).toHaveLength(1);
    return matches[0];
  }

  /** The upstream saw its own key and the verified identity, and nothing of the client's. */
  function expectGatewayIdentity(received: ReceivedRequest): void {
    const h = received.headers;
    expect(h.authorization).toBe(`Bearer ${UPSTREAM_API_KEY}`);
    expect(h['x-api-key']).toBeUndefined();
    expect(h['x-litellm-customer-id']).toBe(EMAIL);
    expect(h['x-litellm-end-user-id']).toBe(EMAIL);
    expect(h['x-gateway-user-email']).toBe(EMAIL);
    expect(h['x-gateway-token-id']).toBe(tokenId);
    expect(JSON.stringify(h)).not.toContain(token);
    expect(received.body).not.toContain(token);
    for (const name of Object.keys(SPOOFED_HEADERS)) {
      if (!GATEWAY_SET.has(name)) expect(h[name]).toBeUndefined();
    }
    expect(JSON.stringify(h)).not.toMatch(/mallory/);
  }

  describe('openai@6', () => {
    it('proxies a chat completion and replaces every identity the client claimed', async () => {
      const requestId = nextRequestId();
      const { data, response } = await openai()
        .chat.completions.create(
          {
            model: 'echo-1',
            messages: [{ role: 'user', content: 'hello gateway' }],
            user: 'mallory',
            safety_identifier: 'mallory',
            metadata: { user_id: 'mallory', trace_user_id: 'mallory', team: 'blue' },
            // Not in the SDK's types: LiteLLM reads it from the body.
            ...({ litellm_metadata: { user: 'mallory', tags: ['x'] } } as object),
          },
          { headers: { ...SPOOFED_HEADERS, 'x-request-id': requestId, 'openai-organization': 'org-123' } },
        )
        .withResponse();

      expect(data.choices[0].message.content).toBe('echo: hello gateway');
      expect(response.headers.get('x-request-id')).toBe(requestId);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.headers['openai-organization']).toBe('org-123');
      expect(received.json).toEqual({
        model: 'echo-1',
        messages: [{ role: 'user', content: 'hello gateway' }],
        user: EMAIL,
        safety_identifier: EMAIL,
        metadata: { user_id: EMAIL, trace_user_id: EMAIL, team: 'blue' },
        litellm_metadata: { user: EMAIL, tags: ['x'] },
      });
    });

    it('adds the verified email to a body without identity fields, keeping its bytes as sent', async () => {
      const requestId = nextRequestId();
      // Whitespace, a number past double precision and escapes as the client wrote them.
      const text =
        '{ "model": "echo-1",\n  "messages": [{"role": "user", "content": "caf\\u00e9 \\"hi\\""}],\n  "seed": 12345678901234567890 }\n';
      const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: text,
      });
      expect(res.status).toBe(200);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.body).toBe(text.replace(/ }\n$/, ` ,"user":${JSON.stringify(EMAIL)}}\n`));
      expect((received.json as { user: string }).user).toBe(EMAIL);
    });

    it('streams a chat completion event by event', async () => {
      const requestId = nextRequestId();
      const stream = await openai().chat.completions.create(
        { model: 'echo-1', stream: true, messages: [{ role: 'user', content: 'one two three four' }] },
        { headers: { 'x-request-id': requestId } },
      );
      const deltas: string[] = [];
      for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta?.content ?? '');
      expect(deltas.join('')).toBe('echo: one two three four');
      expect(deltas.filter(Boolean).length).toBeGreaterThan(1);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.json?.user).toBe(EMAIL);
    });

    it('delivers the first SSE event while the upstream is still writing, and stopping the stream cancels the upstream request', async () => {
      const requestId = nextRequestId();
      const stream = await openai().chat.completions.create(
        { model: 'slow-stream', stream: true, messages: [{ role: 'user', content: 'long answer' }] },
        { headers: { 'x-request-id': requestId } },
      );
      const seen: string[] = [];
      let upstreamDoneAtFirstEvent: boolean | undefined;
      for await (const chunk of stream) {
        if (seen.length === 0) upstreamDoneAtFirstEvent = receivedWith(requestId).finished;
        seen.push(chunk.choices[0]?.delta?.content ?? '');
        if (seen.length === 3) break; // ends the SDK's stream: the client hangs up
      }
      expect(seen).toEqual(['w0 ', 'w1 ', 'w2 ']);
      // The upstream has 600 events to send: had the gateway buffered, nothing would have arrived yet.
      expect(upstreamDoneAtFirstEvent).toBe(false);
      const received = receivedWith(requestId);
      await waitFor(() => received.aborted, 'the upstream request to be cancelled');
      expect(received.finished).toBe(false);
    });

    it('proxies embeddings', async () => {
      const requestId = nextRequestId();
      const res = await openai().embeddings.create(
        { model: 'embed-1', input: 'vector me', user: 'mallory' },
        { headers: { 'x-request-id': requestId } },
      );
      expect(Array.from(res.data[0].embedding).map((x) => Math.round(x * 10) / 10)).toEqual([0.1, 0.2, 0.3]);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.json).toMatchObject({ model: 'embed-1', input: 'vector me', user: EMAIL });
    });

    it('lists models', async () => {
      const requestId = nextRequestId();
      const page = await openai().models.list({ headers: { 'x-request-id': requestId } });
      expect(page.data.map((m) => m.id)).toEqual(['echo-1']);
      const received = receivedWith(requestId);
      expect(received.method).toBe('GET');
      expect(received.url).toBe('/v1/models');
      expectGatewayIdentity(received);
    });

    it('passes an upstream 429 through with its body and the allowlisted headers', async () => {
      const err = await openai()
        .chat.completions.create({ model: 'status-429', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimited = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimited.status).toBe(429);
      expect(rateLimited.headers?.get('retry-after')).toBe('7');
      expect(rateLimited.headers?.get('x-ratelimit-remaining-requests')).toBe('99');
      // Not on the response-header allowlist (see test/proxy-upstream-answers.e2e-spec.ts).
      expect(rateLimited.headers?.get('x-echo-error')).toBeNull();
      expect(rateLimited.error).toEqual({ message: 'echo upstream answered 429 as asked', type: 'rate_limit_error', code: 'echo_429' });
    });
  });

  describe('@anthropic-ai/sdk 1.x (Authorization: Bearer)', () => {
    it('proxies a message, forwards anthropic-version and anthropic-beta unchanged, and stamps metadata.user_id', async () => {
      const requestId = nextRequestId();
      const { data, response } = await anthropic()
        .messages.create(
          { model: 'claude-echo', max_tokens: 64, messages: [{ role: 'user', content: 'bonjour' }], metadata: { user_id: 'mallory' } },
          {
            headers: {
              ...SPOOFED_HEADERS,
              'x-request-id': requestId,
              'anthropic-version': '2023-06-01',
              'anthropic-beta': 'prompt-caching-2024-07-31,tools-2024-04-04',
            },
          },
        )
        .withResponse();
      expect(data.content).toEqual([{ type: 'text', text: 'echo: bonjour' }]);
      expect(response.headers.get('x-request-id')).toBe(requestId);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.headers['anthropic-version']).toBe('2023-06-01');
      expect(received.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,tools-2024-04-04');
      expect(received.json).toEqual({
        model: 'claude-echo',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'bonjour' }],
        metadata: { user_id: EMAIL },
      });
    });

    it('streams a message event by event', async () => {
      const requestId = nextRequestId();
      const stream = await anthropic().messages.create(
        { model: 'claude-echo', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'stream this please' }] },
        { headers: { 'x-request-id': requestId } },
      );
      const types: string[] = [];
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      expect(text).toBe('echo: stream this please');
      expect(types[0]).toBe('message_start');
      expect(types.at(-1)).toBe('message_stop');
      expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(1);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.json?.metadata).toEqual({ user_id: EMAIL });
    });

    it('delivers streamed message events while the upstream is still writing, and stopping cancels the upstream request', async () => {
      const requestId = nextRequestId();
      const stream = await anthropic().messages.create(
        { model: 'slow-stream', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'long' }] },
        { headers: { 'x-request-id': requestId } },
      );
      let deltas = 0;
      let upstreamDoneAtFirstEvent: boolean | undefined;
      for await (const event of stream) {
        if (upstreamDoneAtFirstEvent === undefined) upstreamDoneAtFirstEvent = receivedWith(requestId).finished;
        if (event.type === 'content_block_delta' && ++deltas === 2) break;
      }
      expect(upstreamDoneAtFirstEvent).toBe(false);
      const received = receivedWith(requestId);
      await waitFor(() => received.aborted, 'the upstream request to be cancelled');
      expect(received.finished).toBe(false);
    });

    it('counts tokens without adding metadata the count_tokens API would refuse', async () => {
      const requestId = nextRequestId();
      const res = await anthropic().messages.countTokens(
        { model: 'claude-echo', messages: [{ role: 'user', content: 'three little words' }] },
        { headers: { 'x-request-id': requestId } },
      );
      expect(res.input_tokens).toBe(3);
      const received = receivedWith(requestId);
      expect(received.url).toBe('/v1/messages/count_tokens');
      expectGatewayIdentity(received);
      expect(received.json).toEqual({ model: 'claude-echo', messages: [{ role: 'user', content: 'three little words' }] });
    });

    it('answers an upstream 529 overload with the same status and a generic overload error', async () => {
      const err = await anthropic()
        .messages.create({ model: 'status-529', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      const apiError = err as InstanceType<typeof Anthropic.APIError>;
      expect(apiError.status).toBe(529);
      // 5xx bodies are replaced (see test/proxy-upstream-answers.e2e-spec.ts).
      expect(apiError.error).toEqual({
        type: 'error',
        error: { type: 'overloaded_error', message: expect.stringContaining('(HTTP 529)'), code: 'upstream_error' },
      });
    });
  });

  describe('@anthropic-ai/sdk 0.x (x-api-key)', () => {
    it('proxies a message and never forwards the client x-api-key', async () => {
      const requestId = nextRequestId();
      const res = await anthropicLegacy().messages.create(
        { model: 'claude-echo', max_tokens: 64, messages: [{ role: 'user', content: 'legacy hello' }] },
        { headers: { ...SPOOFED_HEADERS, 'x-request-id': requestId } },
      );
      expect(res.content).toEqual([{ type: 'text', text: 'echo: legacy hello' }]);
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.headers['anthropic-version']).toBe('2023-06-01');
      expect(received.json?.metadata).toEqual({ user_id: EMAIL });
    });

    it('streams a message', async () => {
      const requestId = nextRequestId();
      const stream = await anthropicLegacy().messages.create(
        { model: 'claude-echo', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'old but gold' }] },
        { headers: { 'x-request-id': requestId } },
      );
      let text = '';
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      expect(text).toBe('echo: old but gold');
      expectGatewayIdentity(receivedWith(requestId));
    });

    it('counts tokens', async () => {
      const requestId = nextRequestId();
      const res = await anthropicLegacy().messages.countTokens(
        { model: 'claude-echo', messages: [{ role: 'user', content: 'a b c d' }] },
        { headers: { 'x-request-id': requestId } },
      );
      expect(res.input_tokens).toBe(4);
      expectGatewayIdentity(receivedWith(requestId));
    });
  });

  describe('request ids', () => {
    it('forwards and echoes a valid X-Request-Id, over the upstream id of its own', async () => {
      const res = await fetch(`${stack.gw.url}/v1/models`, {
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-abc.123:x_y-z' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('trace-abc.123:x_y-z');
      expect(res.headers.get('x-upstream-request-id')).toMatch(/^echo-\d+$/);
      expect(receivedWith('trace-abc.123:x_y-z').url).toBe('/v1/models');
    });

    it.each([
      ['none', undefined],
      ['one with spaces', 'not a valid id'],
      ['an over-long one', 'a'.repeat(200)],
    ])('generates one when the client sends %s, and uses it upstream too', async (_label, given) => {
      const before = stack.upstream.requests.length;
      const res = await fetch(`${stack.gw.url}/v1/models`, {
        headers: { authorization: `Bearer ${token}`, ...(given === undefined ? {} : { 'x-request-id': given }) },
      });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(stack.upstream.requests.slice(before).map((r) => r.headers['x-request-id'])).toEqual([id]);
    });

    it('echoes the request id on answers the gateway gives itself', async () => {
      const res = await fetch(`${stack.gw.url}/v1/models`, { headers: { 'x-request-id': 'refused-1' } });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-request-id')).toBe('refused-1');
    });
  });

  describe('hop-by-hop headers', () => {
    it('keeps the client’s Connection header and the headers it names off the upstream hop', async () => {
      const requestId = nextRequestId();
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${stack.gw.url}/v1/models`, {
          headers: {
            authorization: `Bearer ${token}`,
            'x-request-id': requestId,
            connection: 'keep-alive, x-gateway-user-email, x-custom-hop',
            'x-custom-hop': 'for the gateway only',
            'keep-alive': 'timeout=1',
            te: 'trailers',
            'proxy-connection': 'keep-alive',
          },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      const h = receivedWith(requestId).headers;
      // An intermediary honouring the client's Connection header would strip the identity headers.
      expect(h.connection).toBe('keep-alive');
      expect(h['x-custom-hop']).toBeUndefined();
      expect(h['keep-alive']).toBeUndefined();
      expect(h.te).toBeUndefined();
      expect(h['proxy-connection']).toBeUndefined();
      expect(h['x-gateway-user-email']).toBe(EMAIL);
    });
  });

  describe('upstream 4xx answers pass through with their bodies', () => {
    it('passes an upstream 404 body and status as they are', async () => {
      const res = await fetch(`${stack.gw.url}/v1/models/no-such-model`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { message: 'echo upstream has no route GET /v1/models/no-such-model', type: 'not_found_error' },
      });
    });

    it('passes an upstream 429 body byte for byte', async () => {
      const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'status-429', messages: [] }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.text()).toBe(
        JSON.stringify({ error: { message: 'echo upstream answered 429 as asked', type: 'rate_limit_error', code: 'echo_429' } }),
      );
    });
  });

  describe('request bodies', () => {
    it('refuses a declared body over BODY_LIMIT with 413 before forwarding anything', async () => {
      const before = stack.upstream.requests.length;
      const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT_BYTES) }] }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'request_too_large', message: `Request body is larger than ${BODY_LIMIT_BYTES} bytes`, code: 'body_too_large' },
      });
      expect(stack.upstream.requests.length).toBe(before);
    });

    it('refuses a chunked body that grows over BODY_LIMIT with 413 before forwarding anything', async () => {
      const before = stack.upstream.requests.length;
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(`{"model":"echo-1","messages":[{"role":"user","content":"`);
        req.write('y'.repeat(BODY_LIMIT_BYTES / 2));
        req.write('y'.repeat(BODY_LIMIT_BYTES / 2));
        req.end('"}]}');
      });
      expect(status).toBe(413);
      expect(JSON.parse(body)).toMatchObject({ type: 'error', error: { code: 'body_too_large' } });
      expect(stack.upstream.requests.length).toBe(before);
    });

    it('accepts a body just under BODY_LIMIT', async () => {
      const requestId = nextRequestId();
      const content = 'z'.repeat(BODY_LIMIT_BYTES - 1024);
      const res = await openai().chat.completions.create(
        { model: 'echo-1', messages: [{ role: 'user', content }] },
        { headers: { 'x-request-id': requestId } },
      );
      expect(res.choices[0].message.content).toBe(`echo: ${content}`);
      expect(receivedWith(requestId).json?.user).toBe(EMAIL);
    });

    it.each([
      ['text/plain', 'text/plain'],
      ['no content-type', undefined],
      ['an odd JSON-ish type', 'application/x-ndjson'],
    ])('stamps the identity into a JSON body sent as %s (LiteLLM parses it as JSON all the same)', async (_label, contentType) => {
      const requestId = nextRequestId();
      const body = JSON.stringify({
        model: 'echo-1',
        messages: [{ role: 'user', content: 'x' }],
        user: 'mallory',
        metadata: { user_id: 'mallory' },
      });
      const { status } = await new Promise<{ status: number }>((resolve, reject) => {
        const req = httpRequest(`${stack.gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'x-request-id': requestId,
            'content-length': Buffer.byteLength(body),
            ...(contentType === undefined ? {} : { 'content-type': contentType }),
          },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(200);
      expect(receivedWith(requestId).json).toMatchObject({ user: EMAIL, metadata: { user_id: EMAIL } });
    });

    it.each([
      ['a urlencoded form', 'application/x-www-form-urlencoded', 'model=echo-1&user=mallory', '/v1/chat/completions'],
      [
        'multipart on a JSON endpoint',
        'multipart/form-data; boundary=xyz',
        '--xyz\r\nContent-Disposition: form-data; name="user"\r\n\r\nmallory\r\n--xyz--\r\n',
        '/v1/chat/completions',
      ],
    ])('refuses %s with 415 (LiteLLM would read its user field), forwarding nothing', async (_label, contentType, body, path) => {
      const before = stack.upstream.requests.length;
      const res = await fetch(`${stack.gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body,
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'unsupported_media_type' } });
      expect(stack.upstream.requests.length).toBe(before);
    });

    it('streams a multipart upload to an upload endpoint, with the gateway identity headers and user field', async () => {
      const requestId = nextRequestId();
      const form = new FormData();
      form.append('model', 'whisper-1');
      form.append('file', new Blob([Buffer.from('RIFF....WAVE')], { type: 'audio/wav' }), 'a.wav');
      const res = await fetch(`${stack.gw.url}/v1/audio/transcriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId },
        body: form,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ text: 'echo: a.wav (12 bytes)' });
      const received = receivedWith(requestId);
      expectGatewayIdentity(received);
      expect(received.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(received.form?.fields).toEqual({ model: ['whisper-1'], user: [EMAIL] });
      expect(received.body).toContain('RIFF....WAVE');
    });

    it('refuses a body that is not JSON though it says so, with 400 and nothing forwarded', async () => {
      const before = stack.upstream.requests.length;
      const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"model": "echo-1", ',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'Request body is not valid JSON', code: 'invalid_json' },
      });
      expect(stack.upstream.requests.length).toBe(before);
    });
  });

  describe('a client that hangs up', () => {
    it('cancels the upstream request still waiting for its answer', async () => {
      const requestId = nextRequestId();
      const controller = new AbortController();
      const call = openai()
        .chat.completions.create(
          { model: 'hang', messages: [{ role: 'user', content: 'wait' }] },
          { headers: { 'x-request-id': requestId }, signal: controller.signal },
        )
        .catch((e: unknown) => e);
      await waitFor(
        () => stack.upstream.requests.some((r) => r.headers['x-request-id'] === requestId),
        'the upstream to receive the request',
      );
      controller.abort();
      expect(await call).toBeInstanceOf(OpenAI.APIUserAbortError);
      const received = receivedWith(requestId);
      await waitFor(() => received.aborted, 'the upstream request to be cancelled');
    });
  });

  describe('upstream timeout', () => {
    let timed: TestApp;
    beforeAll(async () => {
      timed = await startTestApp(testEnv(stack.redis.url, { UPSTREAM_URL: stack.upstream.url, UPSTREAM_TIMEOUT_MS: '1000' }));
    });
    afterAll(async () => {
      await timed?.close();
    });

    it('answers 504 in the SDK error shape when the upstream does not answer within UPSTREAM_TIMEOUT_MS, and drops the upstream call', async () => {
      const { token: timedToken } = await timed.get<TokensService>(TokensService).create({ email: EMAIL, createdVia: 'cli' });
      const requestId = nextRequestId();
      const res = await fetch(`${timed.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${timedToken}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ model: 'hang', messages: [] }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).toBe(504);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'timeout_error', message: 'The upstream did not answer in time', code: 'upstream_timeout' },
      });
      const received = receivedWith(requestId);
      await waitFor(() => received.aborted, 'the upstream request to be dropped');
    });
  });

  describe('UPSTREAM_AUTH_HEADER=x-api-key (an Anthropic-style upstream)', () => {
    let direct: TestApp;
    beforeAll(async () => {
      direct = await startTestApp(
        testEnv(stack.redis.url, { UPSTREAM_URL: stack.upstream.url, UPSTREAM_API_KEY, UPSTREAM_AUTH_HEADER: 'x-api-key' }),
      );
    });
    afterAll(async () => {
      await direct?.close();
    });

    it('sends the upstream key as x-api-key and no Authorization, whichever header the client used', async () => {
      const { token: directToken } = await direct.get<TokensService>(TokensService).create({ email: EMAIL, createdVia: 'cli' });
      const clientHeaders: Array<Record<string, string>> = [{ authorization: `Bearer ${directToken}` }, { 'x-api-key': directToken }];
      for (const headers of clientHeaders) {
        const requestId = nextRequestId();
        const res = await fetch(`${direct.url}/v1/models`, { headers: { ...headers, 'x-request-id': requestId } });
        expect(res.status).toBe(200);
        const received = receivedWith(requestId);
        expect(received.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
        expect(received.headers.authorization).toBeUndefined();
        expect(JSON.stringify(received.headers)).not.toContain(directToken);
      }
    });
  });

  describe('upstream unreachable', () => {
    let orphan: TestApp;
    let orphanToken: string;
    beforeAll(async () => {
      orphan = await startTestApp(testEnv(stack.redis.url, { UPSTREAM_URL: `http://127.0.0.1:${await freePort()}` }));
      orphanToken = (await orphan.get<TokensService>(TokensService).create({ email: EMAIL, createdVia: 'cli' })).token;
    });
    afterAll(async () => {
      await orphan?.close();
    });

    it('answers 502 in the SDK error shape', async () => {
      const res = await fetch(`${orphan.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${orphanToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo-1', messages: [] }),
      });
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'api_error', message: 'The upstream LLM service is unreachable', code: 'upstream_unavailable' },
      });
    });

    it('is read by both SDKs as an API error with status 502', async () => {
      const fromOpenai = await new OpenAI({ apiKey: orphanToken, baseURL: `${orphan.url}/v1`, maxRetries: 0 }).models
        .list()
        .catch((e: unknown) => e);
      expect(fromOpenai).toBeInstanceOf(OpenAI.InternalServerError);
      expect((fromOpenai as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((fromOpenai as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'upstream_unavailable' });

      const fromAnthropic = await new Anthropic({ apiKey: orphanToken, baseURL: orphan.url, maxRetries: 0 }).messages
        .create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(fromAnthropic).toBeInstanceOf(Anthropic.InternalServerError);
      expect((fromAnthropic as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
      expect((fromAnthropic as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'api_error' },
      });
    });
  });
});
