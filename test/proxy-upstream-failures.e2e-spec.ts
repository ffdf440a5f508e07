/**
 * An upstream that fails part-way: the client's answer must end promptly (an SSE stream with a
 * final error event both SDKs throw on, or a cut connection), never stay open. Also the failures
 * before the answer begins (502, 504) and a client that hangs up. Raw HTTP clients and the
 * official SDKs, against the real app and the echo upstream's failing models.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import AnthropicLegacy from 'anthropic-sdk-0x';
import OpenAI from 'openai';
import type { ReceivedRequest } from '../src/demo/echo-upstream.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { LogCollector } from './support/log-collector.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const EMAIL = 'upstream-failures@example.com';
const IDLE_TIMEOUT_MS = 400;
/** How long a test waits for an answer to end before calling it hung. Bounds the wait; asserts no time. */
const HUNG_AFTER_MS = 10_000;

let seq = 0;
const nextRequestId = (): string => `failures-${process.pid}-${++seq}`;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How a raw HTTP answer ended: complete, cut (the connection closed before the end), or not at all. */
interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ending: 'complete' | 'cut' | 'hung';
}

type Outcome<T> = { outcome: 'done'; value: T } | { outcome: 'threw'; error: unknown } | { outcome: 'hung' };

/** Runs `work` until it settles or HUNG_AFTER_MS pass; `abort` cleans up a hung call. */
async function settle<T>(work: Promise<T>, abort: () => void): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hung' }), HUNG_AFTER_MS);
  });
  const result = await Promise.race([
    work.then(
      (value): Outcome<T> => ({ outcome: 'done', value }),
      (error: unknown): Outcome<T> => ({ outcome: 'threw', error }),
    ),
    hung,
  ]);
  clearTimeout(timer);
  if (result.outcome === 'hung') abort();
  return result;
}

/** The SSE events of a body: `{event, data}` for each block that has data. */
function sseEvents(body: string): Array<{ event: string | undefined; data: string }> {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice('data: '.length))
        .join('\n');
      return { event, data };
    });
}

// Both upstream clients (UPSTREAM_CLIENT) keep every behaviour here.
describe.each(['undici', 'http'])('an upstream that fails part-way through its answer (UPSTREAM_CLIENT=%s)', (client) => {
  let stack: GatewayStack;
  let token: string;
  let logs: LogCollector;

  beforeAll(async () => {
    // UPSTREAM_TIMEOUT_MS outlasts HUNG_AFTER_MS: only the idle timeout can end a silent answer here.
    stack = await startGatewayStack({
      env: { UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), UPSTREAM_TIMEOUT_MS: String(3 * HUNG_AFTER_MS), UPSTREAM_CLIENT: client },
    });
    token = (await stack.mint(EMAIL)).token;
    logs = LogCollector.install();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const openai = (): OpenAI => new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 });
  const anthropic = (): Anthropic => new Anthropic({ apiKey: token, baseURL: stack.gw.url, maxRetries: 0 });

  function received(requestId: string): ReceivedRequest {
    const matches = stack.upstream.requests.filter((r) => r.headers['x-request-id'] === requestId);
    expect(matches).toHaveLength(1);
    return matches[0];
  }

  /** A POST with a plain HTTP client, read to its end, or cut, or given up on as hung. */
  function rawPost(path: string, body: unknown, requestId: string): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${stack.gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
      });
      const hung = setTimeout(() => {
        req.destroy();
        resolve({ status: 0, headers: {}, body: '', ending: 'hung' });
      }, HUNG_AFTER_MS);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        const done = (ending: RawAnswer['ending']): void => {
          clearTimeout(hung);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ending });
        };
        res.on('end', () => done('complete'));
        res.on('close', () => {
          if (!res.complete) done('cut');
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err) => {
        clearTimeout(hung);
        reject(err);
      });
      req.end(JSON.stringify(body));
    });
  }

  const chat = (model: string, stream: boolean): Record<string, unknown> => ({
    model,
    stream,
    messages: [{ role: 'user', content: 'one two three four five' }],
  });
  const streamed = (model: string): OpenAI.ChatCompletionCreateParamsStreaming => ({
    model,
    stream: true,
    messages: [{ role: 'user', content: 'one two three four five' }],
  });

  describe('the upstream connection dies', () => {
    it('ends an SSE stream with a final error event after the events so far, and logs it with the request id', async () => {
      const requestId = nextRequestId();
      const answer = await rawPost('/v1/chat/completions', chat('die-mid-stream', true), requestId);
      expect(answer.ending).toBe('complete');
      expect(answer.status).toBe(200);
      const events = sseEvents(answer.body);
      expect(
        events.slice(0, 3).map((e) => (JSON.parse(e.data) as { choices: Array<{ delta: { content: string } }> }).choices[0].delta.content),
      ).toEqual(['echo: ', 'one ', 'two ']);
      expect(events).toHaveLength(4);
      expect(events[3].event).toBe('error');
      expect(JSON.parse(events[3].data)).toEqual({
        type: 'error',
        error: { type: 'api_error', message: `upstream connection lost; request id ${requestId}`, code: 'upstream_connection_lost' },
      });
      await waitFor(() => logs.matching('Upstream connection was lost mid-answer', requestId).length > 0, 'the loss to be logged');
    });

    it('cuts an SSE stream that dies inside an event, so the client sees a broken answer rather than a partial event', async () => {
      const requestId = nextRequestId();
      const answer = await rawPost('/v1/chat/completions', chat('die-mid-event', true), requestId);
      expect(answer.ending).toBe('cut');
      expect(answer.status).toBe(200);
      expect(answer.body.startsWith('data: {')).toBe(true);
      expect(answer.body).not.toContain('event: error');
      await waitFor(() => logs.matching('Upstream connection was lost mid-answer', requestId).length > 0, 'the loss to be logged');
    });

    it('cuts a JSON answer that dies halfway', async () => {
      const requestId = nextRequestId();
      const answer = await rawPost('/v1/chat/completions', chat('die-mid-stream', false), requestId);
      expect(answer.ending).toBe('cut');
      expect(answer.status).toBe(200);
      expect(answer.body.length).toBeGreaterThan(0);
    });

    it('makes the openai SDK stream throw an APIError after the chunks so far', async () => {
      const controller = new AbortController();
      const deltas: string[] = [];
      const result = await settle(
        (async () => {
          const stream = await openai().chat.completions.create(streamed('die-mid-stream'), { signal: controller.signal });
          for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta?.content ?? '');
        })(),
        () => controller.abort(),
      );
      expect(result.outcome).toBe('threw');
      const error = (result as { error: unknown }).error;
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'api_error', code: 'upstream_connection_lost' });
      expect(deltas).toEqual(['echo: ', 'one ', 'two ']);
    });

    it('makes the openai SDK stream throw when the upstream dies inside an event', async () => {
      const controller = new AbortController();
      const result = await settle(
        (async () => {
          const stream = await openai().chat.completions.create(streamed('die-mid-event'), { signal: controller.signal });
          for await (const _chunk of stream);
        })(),
        () => controller.abort(),
      );
      expect(result.outcome).toBe('threw');
    });

    it('makes the Anthropic SDKs (1.x and 0.x) throw an APIError mid-stream', async () => {
      const body = {
        model: 'die-mid-stream',
        max_tokens: 64,
        stream: true as const,
        messages: [{ role: 'user' as const, content: 'one two three four' }],
      };
      const controller = new AbortController();
      const types: string[] = [];
      const current = await settle(
        (async () => {
          for await (const event of await anthropic().messages.create(body, { signal: controller.signal })) types.push(event.type);
        })(),
        () => controller.abort(),
      );
      expect(current.outcome).toBe('threw');
      const error = (current as { error: unknown }).error;
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'api_error', code: 'upstream_connection_lost' },
      });
      expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']);

      const legacyController = new AbortController();
      const legacy = await settle(
        (async () => {
          const client = new AnthropicLegacy({ apiKey: token, baseURL: stack.gw.url, maxRetries: 0 });
          for await (const _event of await client.messages.create(body, { signal: legacyController.signal }));
        })(),
        () => legacyController.abort(),
      );
      expect(legacy.outcome).toBe('threw');
      expect((legacy as { error: unknown }).error).toBeInstanceOf(AnthropicLegacy.APIError);
    });
  });

  describe('the upstream goes silent mid-answer', () => {
    it('ends an SSE stream after UPSTREAM_IDLE_TIMEOUT_MS with a final error event, and drops the upstream call', async () => {
      const requestId = nextRequestId();
      const answer = await rawPost('/v1/chat/completions', chat('silent-mid-stream', true), requestId);
      expect(answer.ending).toBe('complete');
      expect(answer.status).toBe(200);
      const events = sseEvents(answer.body);
      expect(events).toHaveLength(4);
      expect(events[3].event).toBe('error');
      expect(JSON.parse(events[3].data)).toEqual({
        type: 'error',
        error: { type: 'timeout_error', message: `upstream went silent; request id ${requestId}`, code: 'upstream_idle_timeout' },
      });
      const call = received(requestId);
      await waitFor(() => call.aborted, 'the upstream call to be dropped');
      expect(logs.matching(`went silent for ${IDLE_TIMEOUT_MS} ms mid-answer`, requestId)).toHaveLength(1);
    });

    it('cuts a JSON answer that stops halfway, and drops the upstream call', async () => {
      const requestId = nextRequestId();
      const answer = await rawPost('/v1/chat/completions', chat('silent-mid-stream', false), requestId);
      expect(answer.ending).toBe('cut');
      const call = received(requestId);
      await waitFor(() => call.aborted, 'the upstream call to be dropped');
    });

    it('makes the openai SDK stream throw rather than hang', async () => {
      const controller = new AbortController();
      const result = await settle(
        (async () => {
          const stream = await openai().chat.completions.create(streamed('silent-mid-stream'), { signal: controller.signal });
          for await (const _chunk of stream);
        })(),
        () => controller.abort(),
      );
      expect(result.outcome).toBe('threw');
      expect((result as { error: unknown }).error).toBeInstanceOf(OpenAI.APIError);
      expect(((result as { error: unknown }).error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
        code: 'upstream_idle_timeout',
      });
    });

    it('keeps a slow but steady stream going: the idle timeout counts silence, not length', async () => {
      // slow-stream sends an event every 50 ms, for longer than UPSTREAM_IDLE_TIMEOUT_MS in all.
      const requestId = nextRequestId();
      const controller = new AbortController();
      let count = 0;
      const result = await settle(
        (async () => {
          const stream = await openai().chat.completions.create(streamed('slow-stream'), {
            signal: controller.signal,
            headers: { 'x-request-id': requestId },
          });
          for await (const _chunk of stream) if (++count === 20) break;
        })(),
        () => controller.abort(),
      );
      expect(result.outcome).toBe('done');
      expect(count).toBe(20);
      expect(logs.matching('went silent', requestId)).toEqual([]);
    });
  });

  describe('before the answer begins', () => {
    let quick: TestApp;
    let quickToken: string;
    beforeAll(async () => {
      quick = await startTestApp(
        testEnv(stack.redis.url, {
          UPSTREAM_URL: stack.upstream.url,
          UPSTREAM_TIMEOUT_MS: '1500',
          UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        }),
      );
      quickToken = (await quick.get<TokensService>(TokensService).create({ email: EMAIL, createdVia: 'cli' })).token;
      // Creating an app resets Nest's logger.
      logs = LogCollector.install();
    });
    afterAll(async () => {
      await quick?.close();
    });

    it('answers 502 in the SDK shape when the upstream drops the connection without answering', async () => {
      const requestId = nextRequestId();
      const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(chat('reset', false)),
        signal: AbortSignal.timeout(HUNG_AFTER_MS),
      });
      expect(res.status).toBe(502);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'api_error', message: 'The upstream LLM service is unreachable', code: 'upstream_unavailable' },
      });

      const err = await openai()
        .chat.completions.create(streamed('reset'))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    });

    it('answers 502 in the SDK shape when the upstream dies after its headers, before any of its body', async () => {
      const requestId = nextRequestId();
      const answer = await rawPost('/v1/chat/completions', chat('die-after-headers', true), requestId);
      expect(answer.ending).toBe('complete');
      expect(answer.status).toBe(502);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['x-request-id']).toBe(requestId);
      expect(JSON.parse(answer.body)).toEqual({
        type: 'error',
        error: { type: 'api_error', message: `upstream connection lost; request id ${requestId}`, code: 'upstream_connection_lost' },
      });
    });

    it('still answers 504 after UPSTREAM_TIMEOUT_MS when the upstream says nothing at all (the idle timeout is for answers begun)', async () => {
      const requestId = nextRequestId();
      const res = await fetch(`${quick.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${quickToken}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(chat('hang', false)),
        signal: AbortSignal.timeout(HUNG_AFTER_MS),
      });
      expect(res.status).toBe(504);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'timeout_error', message: 'The upstream did not answer in time', code: 'upstream_timeout' },
      });
      const call = received(requestId);
      await waitFor(() => call.aborted, 'the upstream call to be dropped');
    });
  });

  describe('a client that hangs up mid-stream', () => {
    it('aborts the upstream call', async () => {
      const requestId = nextRequestId();
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${stack.gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
        });
        req.on('response', (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => undefined);
        req.on('close', () => resolve());
        req.end(JSON.stringify(chat('slow-stream', true)));
        setTimeout(() => reject(new Error('no first event')), HUNG_AFTER_MS).unref();
      });
      const call = received(requestId);
      await waitFor(() => call.aborted, 'the upstream call to be aborted');
      expect(call.finished).toBe(false);
      // The client left: nothing to tell it, and no upstream failure to report.
      expect(logs.matching('mid-answer', requestId)).toEqual([]);
    });
  });
});
