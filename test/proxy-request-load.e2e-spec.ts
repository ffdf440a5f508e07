/**
 * The proxy never wedges: with every upstream socket busy (UPSTREAM_MAX_SOCKETS), further calls wait
 * for a socket and are then sent whole; none is cut to a 502 with its body lost, and the gateway keeps
 * serving afterwards. JSON calls and uploads share the mechanism (the body is a stream handed to
 * http-proxy, written when the socket comes).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { toFile } from 'openai';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'load@example.com';
const SOCKETS = 2;
const CALLS = 16;
const UPLOADS = 4;

describe('more concurrent calls than upstream sockets', () => {
  let stack: GatewayStack;
  let client: OpenAI;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { UPSTREAM_MAX_SOCKETS: String(SOCKETS) } });
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
      Promise.all(files.map(async (file, i) => client.audio.transcriptions.create({ file: await toFile(file, `f${i}.wav`), model: 'whisper-1' }))),
    ]);

    expect(answers.map((a) => a.choices[0].message.content)).toEqual(contents.map((c) => `echo: ${c}`));
    expect(transcripts.map((t) => t.text)).toEqual(files.map((f, i) => `echo: f${i}.wav (${f.length} bytes)`));
    const received = stack.upstream.requests;
    expect(received.filter((r) => r.json?.model === 'delay-200').map((r) => (r.json?.messages as Array<{ content: string }>)[0].content).sort()).toEqual([...contents].sort());
    const digests = received.flatMap((r) => r.form?.files ?? []).map((f) => f.sha256);
    expect(digests.sort()).toEqual(files.map((f) => createHash('sha256').update(f).digest('hex')).sort());
    // The calls really queued for the capped sockets: the upstream saw no more connections than the cap.
    expect(new Set(received.map((r) => r.remotePort)).size).toBeLessThanOrEqual(SOCKETS);
    expect(received.some((r) => r.aborted)).toBe(false);

    const after = await client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'still there?' }] });
    expect(after.choices[0].message.content).toBe('echo: still there?');
  });
});
