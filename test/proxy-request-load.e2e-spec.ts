/**
 * The proxy never wedges: with every upstream socket busy (UPSTREAM_MAX_SOCKETS), further calls wait
 * for a socket and are then sent whole; none is cut to a 502 with its body lost, and the gateway keeps
 * serving afterwards. JSON calls and uploads share the mechanism (the body is written to the upstream
 * request, which Node holds until the socket comes).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { toFile } from 'openai';
import { ProxyMiddleware } from '../src/proxy/proxy.middleware.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'load@example.com';
const SOCKETS = 2;
const CALLS = 16;
const UPLOADS = 4;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Both upstream clients (UPSTREAM_CLIENT) queue the same way.
describe.each(['undici', 'http'])('more concurrent calls than upstream sockets (UPSTREAM_CLIENT=%s)', (upstreamClient) => {
  let stack: GatewayStack;
  let client: OpenAI;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { UPSTREAM_MAX_SOCKETS: String(SOCKETS), UPSTREAM_CLIENT: upstreamClient } });
    client = new OpenAI({ apiKey: (await stack.mint(EMAIL)).token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0, timeout: 60_000 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers every call with 200 and its own body intact, then keeps serving', async () => {
    const contents = Array.from({ length: CALLS }, (_, i) => `call ${i} ${randomBytes(3000).toString('hex')}`);
    const files = Array.from({ length: UPLOADS }, () => randomBytes(64 * 1024));
    const [answers, transcripts] = await Promise.all([
      Promise.all(contents.map((content) => client.chat.completions.create({ model: 'delay-200', messages: [{ role: 'user', content }] }))),
      Promise.all(
        files.map(async (file, i) => client.audio.transcriptions.create({ file: await toFile(file, `f${i}.wav`), model: 'whisper-1' })),
      ),
    ]);

    expect(answers.map((a) => a.choices[0].message.content)).toEqual(contents.map((c) => `echo: ${c}`));
    expect(transcripts.map((t) => t.text)).toEqual(files.map((f, i) => `echo: f${i}.wav (${f.length} bytes)`));
    const received = stack.upstream.requests;
    expect(
      received
        .filter((r) => r.json?.model === 'delay-200')
        .map((r) => (r.json?.messages as Array<{ content: string }>)[0].content)
        .sort(),
    ).toEqual([...contents].sort());
    const digests = received.flatMap((r) => r.form?.files ?? []).map((f) => f.sha256);
    expect(digests.sort()).toEqual(files.map((f) => createHash('sha256').update(f).digest('hex')).sort());
    // The calls really queued for the capped sockets: the upstream saw no more connections than the cap.
    expect(new Set(received.map((r) => r.remotePort)).size).toBeLessThanOrEqual(SOCKETS);
    expect(received.some((r) => r.aborted)).toBe(false);

    const after = await client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'still there?' }] });
    expect(after.choices[0].message.content).toBe('echo: still there?');
  });

  it('drops a queued call whose client left before a socket came, instead of sending it', async () => {
    const token = (await stack.mint(EMAIL)).token;
    const call = (model: string, requestId: string, signal: AbortSignal): Promise<unknown> =>
      fetch(`${stack.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: requestId }] }),
        signal,
      }).catch((e: unknown) => e);
    const received = (requestId: string): boolean => stack.upstream.requests.some((r) => r.headers['x-request-id'] === requestId);
    // The agent's own queue of calls waiting for a socket.
    const proxy = stack.gw.get<ProxyMiddleware>(ProxyMiddleware);
    const queued = (): number => proxy.upstreamCallsWaiting;

    const holders = Array.from({ length: SOCKETS }, (_, i) => ({ id: `holder-${i}`, abort: new AbortController() }));
    const held = holders.map((h) => call('hang', h.id, h.abort.signal));
    await waitFor(() => holders.every((h) => received(h.id)), 'every socket to be busy');
    const leaver = new AbortController();
    const left = call('echo-1', 'leaver', leaver.signal);
    await waitFor(() => queued() === 1, 'the call to queue for a socket');
    leaver.abort();
    await left;
    for (const h of holders) h.abort.abort();
    await Promise.all(held);

    // Calls leave the agent's queue in order: once a later call is answered, the one before it had its turn.
    const after = await client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'after' }] });
    expect(after.choices[0].message.content).toBe('echo: after');
    expect(received('leaver')).toBe(false);
  });
});
