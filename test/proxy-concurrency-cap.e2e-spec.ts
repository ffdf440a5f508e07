/**
 * Caps on concurrent upstream calls (UPSTREAM_MAX_CONCURRENT, UPSTREAM_MAX_CONCURRENT_PER_USER): a
 * call past a cap is answered at once, 503 (instance) or 429 (user) in the SDK shape with
 * Retry-After, and never reaches the upstream; once held streams end, calls pass again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const MAX = 3;
const PER_USER = 2;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Held {
  requestId: string;
  abort: AbortController;
  done: Promise<unknown>;
}

describe('concurrency caps on upstream calls', () => {
  let stack: GatewayStack;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startGatewayStack({
      env: { UPSTREAM_MAX_CONCURRENT: String(MAX), UPSTREAM_MAX_CONCURRENT_PER_USER: String(PER_USER) },
    });
    for (const who of ['alice', 'bob', 'carol']) tokens[who] = (await stack.mint(`${who}@example.com`)).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const call = (who: string, model: string, requestId: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${stack.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: requestId }] }),
      signal,
    });

  /** Opens a slow SSE stream and returns once its first event has arrived. */
  async function hold(who: string, requestId: string): Promise<Held> {
    const abort = new AbortController();
    const res = await call(who, 'slow-stream', requestId, abort.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value as Uint8Array)).toContain('data: ');
    // Keep reading in the background until aborted, as a client would.
    const done = (async () => {
      for (;;) if ((await reader.read()).done) return;
    })().catch((e: unknown) => e);
    return { requestId, abort, done };
  }

  const reached = (requestId: string): boolean => stack.upstream.requests.some((r) => r.headers['x-request-id'] === requestId);

  async function release(held: Held[]): Promise<void> {
    for (const h of held) h.abort.abort();
    await Promise.all(held.map((h) => h.done));
    // The gateway frees a slot when the client's response closes, before it stops the upstream call.
    await waitFor(
      () => held.every((h) => stack.upstream.requests.find((r) => r.headers['x-request-id'] === h.requestId)?.aborted),
      'the held streams to end',
    );
  }

  async function expectRefused(res: Response, status: number, code: string): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { type: string; error: { type: string; code: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.code).toBe(code);
    expect(body.error.type).toBe(status === 429 ? 'rate_limit_error' : 'overloaded_error');
  }

  it('refuses a call past the instance cap at once with 503 and Retry-After, and serves again once streams end', async () => {
    const held = [await hold('alice', 'cap-a1'), await hold('bob', 'cap-b1'), await hold('carol', 'cap-c1')];
    // The held streams are still open (600 events 50 ms apart): an answer now means no queueing.
    const extra = await call('carol', 'echo-1', 'cap-extra');
    await expectRefused(extra, 503, 'gateway_at_capacity');
    expect(reached('cap-extra')).toBe(false);

    // The official SDK sees the SDK-shaped error with its status.
    const sdk = new OpenAI({ apiKey: tokens.bob, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 });
    const err = await sdk.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);

    await release(held);
    const after = await sdk.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'after' }] });
    expect(after.choices[0].message.content).toBe('echo: after');
  });

  it('refuses a user past the per-user cap with 429 while other users still pass', async () => {
    const held = [await hold('alice', 'user-a1'), await hold('alice', 'user-a2')];
    const third = await call('alice', 'echo-1', 'user-a3');
    await expectRefused(third, 429, 'too_many_concurrent_requests');
    expect(reached('user-a3')).toBe(false);

    const other = await call('bob', 'echo-1', 'user-b1');
    expect(other.status).toBe(200);
    expect(await other.text()).toContain('[DONE]');

    await release(held);
    const again = await call('alice', 'echo-1', 'user-a4');
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('[DONE]');
  });

  it('frees the slot of a call refused before forwarding (a body too deep), so refusals do not leak slots', async () => {
    // More refused calls than the cap: if any kept its slot, the last call would get 503.
    for (let i = 0; i < MAX + 2; i++) {
      const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json' },
        body: '{"model":"echo-1","messages":[{"role":"user","content":"x"}],"unknown_depth":' + '['.repeat(100) + ']'.repeat(100) + '}',
      });
      expect(res.status).toBe(400);
    }
    const ok = await call('alice', 'echo-1', 'after-refusals');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('[DONE]');
  });
});

describe('a client that leaves while its token is admitted', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    // The cache off: every admission reads Redis, which the test freezes to hold one in flight.
    stack = await startGatewayStack({ ownRedis: true, env: { UPSTREAM_MAX_CONCURRENT: '1', TOKEN_CACHE_TTL_MS: '0' } });
  });
  afterAll(async () => {
    stack?.redis.resume();
    await stack?.close();
  });

  it('takes no slot: the cap of one still lets the next call through', async () => {
    const { token } = await stack.mint('dana@example.com');
    const body = JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'gone' }] });
    stack.redis.pause();
    const socket = connect(Number(new URL(stack.gw.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // The gateway is now waiting on Redis for the admission; the client gives up and closes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    stack.redis.resume();
    // Past the admission of the call that left (it completes once Redis answers again).
    await new Promise((resolve) => setTimeout(resolve, 300));

    const res = await fetch(`${stack.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'next' }] }),
    });
    expect(res.status).toBe(200);
    expect(stack.upstream.requests.some((r) => r.body.includes('gone'))).toBe(false);
  });
});
